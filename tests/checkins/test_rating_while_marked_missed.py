"""A client rating a session while the therapist records it as not attended: exactly one
of the two is kept, never both.

The clinic refuses to mark a rated session as missed (``clinic.services._check_not_rated``)
and a missed session's links that rate it are revoked, but neither side locked what the
other one wrote: the attendance check read no rating while the client's answer was being
stored, the answer was stored while the attendance was being changed, and both committed
(a session rated and recorded as not attended: monitoring counted it as both). Both now
lock the appointment's episode, then the appointment, then the link, in that order
(``clinic.services.locked_appointment``): the second waits, then decides on what the first
stored. The therapist who loses is told the client rated the session; the client who loses
sees the page of a link that no longer works. Nothing of the loser is kept.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.checkins._helpers import CHECKIN_ANSWERS
from tests.clinic._races import first_held_then_second, real_concurrency

from rapport.checkins.models import CheckIn, Timing
from rapport.checkins.services import CheckinUnavailable, checkin_create, checkin_submit
from rapport.clinic.models import Appointment, Attendance, EndReason, Episode, Phase
from rapport.clinic.services import appointment_record_attendance, episode_end
from rapport.measures.models import Response

ANSWERS = {key: int(value) for key, value in CHECKIN_ANSWERS.items() if value}
RATED = "The client rated this session on"
NO_CONCURRENCY = "in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI"


def last_week(client) -> Appointment:
    return Appointment.objects.get(episode__client=client, starts_at__lt=timezone.now())


def after_session_link(therapist, appointment) -> CheckIn:
    checkin, _token = checkin_create(
        actor=therapist,
        appointment=appointment,
        instrument_id="session-checkin",
        timing=Timing.AFTER,
    )
    return checkin


def submit(checkin: CheckIn, key: str = "rating-form-key-0001"):
    return checkin_submit(checkin=CheckIn.objects.get(pk=checkin.pk), answers=ANSWERS, form_key=key)


def mark_no_show(therapist, appointment_id: int):
    return appointment_record_attendance(
        actor=therapist,
        appointment=Appointment.objects.select_related("episode").get(pk=appointment_id),
        attendance=Attendance.NO_SHOW,
    )


def assert_exactly_one_kept(appointment_id: int, results: dict, *, rating: str, marking: str):
    stored = Response.objects.filter(appointment_id=appointment_id).exists()
    attendance = Appointment.objects.get(pk=appointment_id).attendance
    assert stored != (attendance == Attendance.NO_SHOW), (stored, attendance, results)
    if stored:  # the rating won: the therapist is told why the marking was refused
        assert isinstance(results[rating], tuple), results
        assert isinstance(results[marking], ValidationError), results
        assert RATED in str(results[marking])
    else:  # the marking won: the link no longer works, and nothing of the answer is kept
        assert isinstance(results[marking], Appointment), results
        assert isinstance(results[rating], CheckinUnavailable), results
        assert results[rating].status == "revoked"
        assert CheckIn.objects.get(appointment_id=appointment_id).used_at is None


@pytest.mark.django_db(transaction=True)
def test_a_rating_being_stored_stops_the_session_being_marked_missed(therapist_a, client_a):
    """The client's answer passes every check and is about to be stored when the therapist
    marks the session "Did not attend". Before the locks the marking saw no rating yet and
    both committed."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    appointment = last_week(client_a)
    checkin = after_session_link(therapist_a, appointment)
    results = first_held_then_second(
        Response, lambda: submit(checkin), lambda: mark_no_show(therapist_a, appointment.pk)
    )
    assert_exactly_one_kept(appointment.pk, results, rating="first", marking="second")
    # Here the answer was already under way: it is the one kept.
    assert Response.objects.filter(appointment=appointment).count() == 1
    assert last_week(client_a).attendance == Attendance.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_a_session_being_marked_missed_stops_the_rating_being_stored(therapist_a, client_a):
    """The other order: the marking has passed its checks and is about to save when the
    client sends the answers. Before the locks the answer was stored at once and the
    marking, finding the link used, committed as well."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    appointment = last_week(client_a)
    checkin = after_session_link(therapist_a, appointment)
    results = first_held_then_second(
        Appointment, lambda: mark_no_show(therapist_a, appointment.pk), lambda: submit(checkin)
    )
    assert_exactly_one_kept(appointment.pk, results, rating="second", marking="first")
    assert last_week(client_a).attendance == Attendance.NO_SHOW
    assert CheckIn.objects.get(pk=checkin.pk).revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rating_being_stored_stops_the_ending_that_would_cancel_its_session(
    therapist_a, client_a
):
    """Ending the episode before a session cancels it (``episode_end``): the same wrong
    record by another road. It locks the episode first too, so it waits for the answer and
    then refuses; without that order each held what the other needed (the link, and the
    episode the new answer refers to) and the database broke the deadlock by failing one."""
    if not real_concurrency():
        pytest.skip(NO_CONCURRENCY)
    appointment = last_week(client_a)
    checkin = after_session_link(therapist_a, appointment)
    before_the_session = timezone.localdate(appointment.starts_at) - timedelta(days=1)

    def end_the_day_before():
        return episode_end(
            actor=therapist_a,
            episode=Episode.objects.get(pk=appointment.episode_id),
            ended_on=before_the_session,
            end_reason=EndReason.DROPPED_OUT,
        )

    results = first_held_then_second(Response, lambda: submit(checkin), end_the_day_before)
    assert isinstance(results["first"], tuple), results
    assert isinstance(results["second"], ValidationError), results
    assert "The client rated the session of" in str(results["second"])
    assert Episode.objects.get(pk=appointment.episode_id).phase != Phase.CLOSED
    assert last_week(client_a).attendance == Attendance.SCHEDULED


@pytest.mark.django_db
def test_a_link_about_a_session_recorded_as_missed_is_not_answered(therapist_a, client_a):
    """However the attendance came to be stored (here without the service that revokes the
    session's links), an answer rating a session recorded as not attended is refused."""
    appointment = last_week(client_a)
    checkin = after_session_link(therapist_a, appointment)
    Appointment.objects.filter(pk=appointment.pk).update(attendance=Attendance.NO_SHOW)
    with pytest.raises(CheckinUnavailable) as refused:
        submit(checkin)
    assert refused.value.status == "revoked"
    assert not Response.objects.filter(appointment=appointment).exists()
    assert CheckIn.objects.get(pk=checkin.pk).used_at is None
