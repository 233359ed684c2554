"""From stored responses and appointments to the detectors' series: session numbering."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring.series import load_episode_series
from tests.monitoring.db.helpers import (
    NOW,
    checkin_answers,
    instrument_id,
    make_episode,
    outcome_answers,
    record,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

HOUR = dt.timedelta(hours=1)


def test_sessions_are_numbered_by_attended_appointments_and_responses_placed_on_them(
    therapist_a,
):
    client, episode, held = make_episode(therapist_a, sessions=3)
    # Session 2 missed; a later one attended.
    held[1].attendance = Attendance.NO_SHOW
    held[1].save()
    record(client, "phq9", outcome_answers("phq9", 15), at=held[0].starts_at - HOUR)
    # Answered two days before the third appointment: the pre-session measure of session 2.
    record(client, "phq9", outcome_answers("phq9", 12), at=held[2].starts_at - 48 * HOUR)
    record(
        client,
        "session-checkin",
        checkin_answers(9, 9, 9, 9),
        at=held[2].starts_at + HOUR,
        appointment=held[2],
    )
    data = load_episode_series(episode, now=NOW)
    series = data.series
    phq = instrument_id("phq9")
    assert [(o.session, o.score) for o in series.of(phq)] == [(1, 15), (2, 12)]
    assert [(o.session, o.score) for o in series.of("session-checkin")] == [(2, 36)]
    assert [(a.session, a.status) for a in series.attendance] == [
        (1, "attended"),
        (1, "no_show"),
        (2, "attended"),
    ]
    checkin = series.of("session-checkin")[0]
    assert checkin.pushed == 0 and checkin.subscales["goals"] == 9
    assert [s.number for s in data.sessions] == [1, 2]


def test_two_answers_for_one_session_keep_the_newer(therapist_a):
    client, episode, held = make_episode(therapist_a, sessions=1)
    record(client, "session-checkin", checkin_answers(5, 5, 5, 5), at=held[0].starts_at + HOUR)
    record(client, "session-checkin", checkin_answers(9, 9, 9, 9), at=held[0].starts_at + 2 * HOUR)
    assert [
        o.score for o in load_episode_series(episode, now=NOW).series.of("session-checkin")
    ] == [36]


def test_without_attended_sessions_each_instrument_is_numbered_in_order(therapist_a):
    client, episode, held = make_episode(therapist_a, sessions=2)
    Appointment.objects.filter(episode=episode).update(attendance=Attendance.SCHEDULED)
    for hours in (1, 30, 60):
        record(
            client,
            "session-checkin",
            checkin_answers(9, 9, 9, 9),
            at=held[0].starts_at + hours * HOUR,
            episode=episode,
        )
    series = load_episode_series(episode, now=NOW).series
    assert [o.session for o in series.of("session-checkin")] == [1, 2, 3]
    assert series.attendance == ()


def test_future_appointments_and_client_attributes(therapist_a):
    therapist_a.is_trainee = True
    therapist_a.save()
    client, episode, held = make_episode(
        therapist_a, sessions=2, birth_year=2004, attendance_basis="mandated_legal"
    )
    series = load_episode_series(episode, now=NOW).series
    assert len(series.attendance) == 2  # the booked appointment next week is not counted
    assert series.attributes.age == 22
    assert series.attributes.mandated and series.attributes.trainee_therapist
    assert series.today == NOW.date()
