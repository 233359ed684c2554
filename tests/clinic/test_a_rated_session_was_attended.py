"""A session the client rated cannot be recorded as not attended.

A client who answered the check-in after a session (a rating of that session) almost
certainly came to it. Marked "Did not attend" anyway, it counted in monitoring both as a
rated session and as a missed appointment (dropout risk). The attendance page now refuses,
says why, and says what to do if the rating was a mistake; nothing changes.

The rule lives in ``clinic.services.appointment_record_attendance``; the ratings come from
check-ins through ``core.hooks.session_rating`` (clinic code does not import check-ins).
Time-dependent rules are tested with a fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import CHECKIN_ANSWERS, PHQ9_ZERO, open_and_answer

from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, Attendance
from rapport.measures.models import Response
from rapport.measures.services import response_record

pytestmark = pytest.mark.django_db

FIXED = datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # a Sunday evening, London = UTC
SESSION_AT = FIXED - timedelta(hours=8)  # 10:00 that morning
REFUSED = "The client rated this session on 6 Dec 2026 (after-session check-in)"


@pytest.fixture
def session(client_a, monkeypatch):
    """This morning's session of client A, not recorded yet; the clock stands at FIXED."""
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    episode = client_a.episodes.get()
    episode.started_on = date(2026, 11, 1)
    episode.save()
    episode.appointments.all().delete()
    return Appointment.objects.create(episode=episode, starts_at=SESSION_AT)


def rate(http, appointment, therapist, *, instrument_id="session-checkin", timing="after"):
    """The client answers a link for the session through their own page."""
    _checkin, token = checkin_create(
        actor=therapist, appointment=appointment, instrument_id=instrument_id, timing=timing
    )
    answers = CHECKIN_ANSWERS if instrument_id == "session-checkin" else PHQ9_ZERO
    assert open_and_answer(http, token, {**answers, "pushed": "2"}).status_code == 200
    assert Response.objects.filter(appointment=appointment).exists()


def record(http, appointment, attendance):
    sent = {"attendance": attendance}
    if attendance == Attendance.CANCELLED:
        sent["cancelled_by"] = "client"  # asked for every cancellation
    return http.post(f"/appointments/{appointment.pk}/attendance/", sent)


@pytest.mark.parametrize("attendance", [Attendance.NO_SHOW, Attendance.CANCELLED])
def test_a_session_the_client_rated_cannot_be_marked_as_not_attended(
    client, login, therapist_a, session, attendance
):
    rate(client, session, therapist_a)
    http = login(therapist_a)
    record(http, session, Attendance.ATTENDED)

    response = record(http, session, attendance)

    assert response.status_code == 400
    page = response.content.decode()
    assert REFUSED in page
    assert "so it cannot be marked as not attended" in page
    # What to do if the rating was a mistake: no rating can be withdrawn in the product.
    assert "Ratings cannot be withdrawn in Rapport" in page
    assert "keep the session as attended and tell your clinic admin" in page
    session.refresh_from_db()
    assert session.attendance == Attendance.ATTENDED


def test_it_is_refused_before_anyone_recorded_the_session_too(client, login, therapist_a, session):
    rate(client, session, therapist_a)
    response = record(login(therapist_a), session, Attendance.NO_SHOW)
    assert response.status_code == 400 and REFUSED in response.content.decode()
    session.refresh_from_db()
    assert session.attendance == Attendance.SCHEDULED
    # Attended is what the rating says: that is recorded.
    assert record(login(therapist_a), session, Attendance.ATTENDED).status_code == 302
    session.refresh_from_db()
    assert session.attendance == Attendance.ATTENDED


def test_an_alliance_measure_given_for_the_session_any_way_counts_as_a_rating(
    login, therapist_a, client_a, session
):
    response_record(
        client=client_a,
        instrument_id="srs",
        answers={f"srs_{n}": 8.0 for n in range(1, 5)},
        source="import",
        idempotency_key="srs-imported-for-the-session",
        administered_at=SESSION_AT + timedelta(hours=1),
        appointment=session,
    )
    response = record(login(therapist_a), session, Attendance.NO_SHOW)
    assert response.status_code == 400
    assert "The client rated this session on 6 Dec 2026 (SRS)" in response.content.decode()
    session.refresh_from_db()
    assert session.attendance == Attendance.SCHEDULED


def test_a_questionnaire_answered_before_the_session_does_not_stop_a_no_show(
    client, login, therapist_a, session, monkeypatch
):
    # How the client has been (PHQ-9, before the session) holds whether or not they came.
    # Sent and answered two hours before it (a before-session link for a session that has
    # taken place is refused, 0c47adb); the clock then goes back to FIXED.
    monkeypatch.setattr(timezone, "now", lambda: SESSION_AT - timedelta(hours=2))
    rate(client, session, therapist_a, instrument_id="phq9", timing="before")
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    assert record(login(therapist_a), session, Attendance.NO_SHOW).status_code == 302
    session.refresh_from_db()
    assert session.attendance == Attendance.NO_SHOW


def test_an_unrated_session_can_still_be_marked_missed(login, therapist_a, session):
    assert record(login(therapist_a), session, Attendance.NO_SHOW).status_code == 302
    session.refresh_from_db()
    assert session.attendance == Attendance.NO_SHOW


def test_ending_the_episode_before_a_rated_session_does_not_cancel_it(
    client, login, therapist_a, session
):
    # Ending the episode the day before would cancel this unrecorded session: the same
    # wrong record (rated and cancelled) by another road, so it is refused as well.
    rate(client, session, therapist_a)
    response = login(therapist_a).post(
        f"/episodes/{session.episode_id}/end/",
        {"ended_on": "2026-12-05", "end_reason": "planned"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The client rated the session of 6 Dec 2026, after this date" in page
    assert "record it as attended, and end the episode on or after that day" in page
    session.refresh_from_db()
    session.episode.refresh_from_db()
    assert session.attendance == Attendance.SCHEDULED and session.episode.is_open
