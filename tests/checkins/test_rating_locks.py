"""A rating stored by staff or by an import takes the session's locks, as the client's link
does: it and a marking of the session as not attended never both commit.

The client's link locks the appointment's episode, then the appointment, then the link
(``clinic.services.locked_appointment``), and refuses a rating of a session recorded as
missed or cancelled. A rating stored any other way (``measures.services.response_record``
called by staff with an appointment, ``rapport import-responses``) took no lock and looked
at no attendance: a session marked "Did not attend" while the rating was being stored, or
before, ended up both rated and missed (monitoring counts it as both). Now every answer
given for an appointment takes the same locks in the same order and is refused, with a
clear message and nothing stored, when the session did not take place.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.checkins._helpers import CHECKIN_ANSWERS, PHQ9_ZERO
from tests.clinic._races import first_held_then_second, real_concurrency

from rapport.checkins import services as checkin_services
from rapport.checkins.csv_import import read_rows
from rapport.checkins.services import ImportReport, responses_import
from rapport.cli import main
from rapport.clinic.models import Appointment, Attendance
from rapport.clinic.services import appointment_record_attendance
from rapport.measures.models import Response, ResponseSource
from rapport.measures.registry import all_instruments
from rapport.measures.services import response_record

RATING = {key: int(value) for key, value in CHECKIN_ANSWERS.items() if value}
RATED = "The client rated this session on"
NO_CONCURRENCY = "in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI"
KNOWN = {item for instrument in all_instruments() for item in instrument.item_ids}


def last_week(client) -> Appointment:
    return Appointment.objects.get(episode__client=client, starts_at__lt=timezone.now())


def not_rateable(appointment: Appointment, attendance: str) -> str:
    day = timezone.localtime(appointment.starts_at)
    label = Attendance(attendance).label
    return (
        f"The session on {day:%a} {day.day} {day:%b %Y} is recorded as “{label}”: a session "
        "that did not take place cannot be rated, so this Check-in was not stored."
    )


def staff_entry(therapist, client, appointment, *, instrument="session-checkin", answers=None):
    return response_record(
        client=client,
        instrument_id=instrument,
        answers=RATING if answers is None else answers,
        source=ResponseSource.API,
        idempotency_key=f"staff:{appointment.pk}:{instrument}",
        administered_at=appointment.starts_at + timedelta(hours=1),
        appointment=appointment,
        actor=therapist,
    )


def import_file(client, appointment) -> str:
    day = timezone.localdate(appointment.starts_at)
    header = "client,date,instrument," + ",".join(RATING)
    row = f"{client.pk},{day.isoformat()},session-checkin," + ",".join(
        str(v) for v in RATING.values()
    )
    return f"{header}\n{row}\n"


def import_rows(client, appointment) -> ImportReport:
    rows, problems = read_rows(import_file(client, appointment), KNOWN)
    assert not problems
    return responses_import(rows=rows, actor="cli")


def mark_no_show(therapist, appointment_id: int):
    return appointment_record_attendance(
        actor=therapist,
        appointment=Appointment.objects.select_related("episode").get(pk=appointment_id),
        attendance=Attendance.NO_SHOW,
    )


# -- one thread: the session marked between the rating being read and stored -------------


@pytest.mark.django_db
def test_a_staff_entry_for_a_session_marked_missed_meanwhile_is_refused(therapist_a, client_a):
    session = last_week(client_a)  # as the staff page loaded it: scheduled
    Appointment.objects.filter(pk=session.pk).update(attendance=Attendance.NO_SHOW)
    with pytest.raises(ValidationError) as refused:
        staff_entry(therapist_a, client_a, session)
    assert refused.value.message_dict == {
        "appointment": [not_rateable(session, Attendance.NO_SHOW)]
    }
    assert not Response.objects.filter(appointment=session).exists()


@pytest.mark.django_db
def test_a_staff_entry_for_a_cancelled_session_is_refused_too(therapist_a, client_a):
    session = last_week(client_a)
    appointment_record_attendance(
        actor=therapist_a, appointment=session, attendance=Attendance.CANCELLED
    )
    with pytest.raises(ValidationError, match="is recorded as “Cancelled”"):
        staff_entry(therapist_a, client_a, last_week(client_a))
    assert not Response.objects.filter(appointment=session).exists()


@pytest.mark.django_db
def test_an_answer_that_does_not_rate_the_session_is_stored_for_a_missed_one(therapist_a, client_a):
    """How the client has been (a PHQ-9) holds whether or not the session took place: as a
    link asked before the session, which marking it missed leaves open."""
    session = last_week(client_a)
    Appointment.objects.filter(pk=session.pk).update(attendance=Attendance.NO_SHOW)
    answers = {key: int(value) for key, value in PHQ9_ZERO.items()}
    response, created = staff_entry(
        therapist_a, client_a, session, instrument="phq9", answers=answers
    )
    assert created and response.appointment_id == session.pk


@pytest.mark.django_db
def test_an_imported_rating_of_a_session_marked_missed_while_importing_is_refused(
    tmp_path, capsys, monkeypatch, therapist_a, client_a
):
    """The import places the row at the day's appointment, still scheduled; the session is
    marked "Did not attend" before the row is stored (as a therapist would, at that moment,
    in a race). The row is refused as any invalid row is: reported, and nothing imported."""
    session = last_week(client_a)
    real_when = checkin_services._when

    def placed_then_marked(row, episode):
        placed = real_when(row, episode)
        mark_no_show(therapist_a, session.pk)
        return placed

    monkeypatch.setattr(checkin_services, "_when", placed_then_marked)
    csv = tmp_path / "history.csv"
    csv.write_text(import_file(client_a, session))
    assert main(["import-responses", str(csv)]) == 2
    captured = capsys.readouterr()
    assert f"history.csv: line 2: {not_rateable(session, Attendance.NO_SHOW)}" in captured.out
    assert "nothing imported: 1 of 1 rows are invalid" in captured.err
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_an_imported_rating_of_a_session_recorded_as_cancelled_is_a_row_error(
    therapist_a, client_a
):
    session = last_week(client_a)
    appointment_record_attendance(
        actor=therapist_a, appointment=session, attendance=Attendance.CANCELLED
    )
    report = import_rows(client_a, session)
    assert not report.imported
    assert [str(error) for error in report.errors] == [
        f"line 2: {not_rateable(session, Attendance.CANCELLED)}"
    ]
    assert not Response.objects.exists()


# -- real races (PostgreSQL) ------------------------------------------------------------


def assert_the_rating_kept(session_id: int, results: dict, *, rating: str, marking: str):
    assert isinstance(results[marking], ValidationError), results
    assert RATED in str(results[marking])
    assert Appointment.objects.get(pk=session_id).attendance == Attendance.SCHEDULED
    assert Response.objects.filter(appointment_id=session_id).count() == 1


def assert_the_marking_kept(session_id: int, results: dict):
    assert Appointment.objects.get(pk=session_id).attendance == Attendance.NO_SHOW
    assert not Response.objects.filter(appointment_id=session_id).exists(), results


@pytest.mark.django_db(transaction=True)
def test_a_staff_entry_being_stored_stops_the_session_being_marked_missed(therapist_a, client_a):
    """The staff entry has passed its checks and is about to be stored when the session is
    marked "Did not attend": the marking waits for the session's locks, then sees the
    rating and is refused. Before, it saw no rating yet and both committed."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    session = last_week(client_a)
    results = first_held_then_second(
        Response,
        lambda: staff_entry(therapist_a, client_a, Appointment.objects.get(pk=session.pk)),
        lambda: mark_no_show(therapist_a, session.pk),
    )
    assert isinstance(results["first"], tuple), results
    assert_the_rating_kept(session.pk, results, rating="first", marking="second")


@pytest.mark.django_db(transaction=True)
def test_a_session_being_marked_missed_stops_a_staff_entry(therapist_a, client_a):
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    session = last_week(client_a)
    results = first_held_then_second(
        Appointment,
        lambda: mark_no_show(therapist_a, session.pk),
        lambda: staff_entry(therapist_a, client_a, Appointment.objects.get(pk=session.pk)),
    )
    assert isinstance(results["first"], Appointment), results
    assert isinstance(results["second"], ValidationError), results
    assert "is recorded as “Did not attend”" in str(results["second"])
    assert_the_marking_kept(session.pk, results)


@pytest.mark.django_db(transaction=True)
def test_an_import_being_stored_stops_the_session_being_marked_missed(therapist_a, client_a):
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    session = last_week(client_a)
    results = first_held_then_second(
        Response,
        lambda: import_rows(client_a, session),
        lambda: mark_no_show(therapist_a, session.pk),
    )
    assert isinstance(results["first"], ImportReport) and results["first"].created == 1, results
    assert_the_rating_kept(session.pk, results, rating="first", marking="second")


@pytest.mark.django_db(transaction=True)
def test_a_session_being_marked_missed_stops_an_import_of_its_rating(therapist_a, client_a):
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    session = last_week(client_a)
    results = first_held_then_second(
        Appointment,
        lambda: mark_no_show(therapist_a, session.pk),
        lambda: import_rows(client_a, session),
    )
    report = results["second"]
    assert isinstance(report, ImportReport) and not report.imported, results
    assert [str(error) for error in report.errors] == [
        f"line 2: {not_rateable(session, Attendance.NO_SHOW)}"
    ]
    assert_the_marking_kept(session.pk, results)
