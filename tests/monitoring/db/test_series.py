"""From stored responses and appointments to the detectors' series: session numbering."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring.context import guidance_context
from rapport.monitoring.series import detector_config, load_episode_series
from rapport.monitoring.signals import dropout_features
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
    assert series.attributes.age == 21  # born 2004: 21 until the birthday in 2026
    assert series.attributes.mandated and series.attributes.trainee_therapist
    assert series.today == NOW.date()


def test_a_client_who_may_still_be_24_counts_as_young(therapist_a):
    # Born in 2001, on 2 March 2026 the client is 24 unless the birthday has passed; a
    # risk factor must not be missed for a client who may still be 24 (under 25 is young).
    client, episode, held = make_episode(therapist_a, sessions=2, birth_year=2001)
    series = load_episode_series(episode, now=NOW).series
    assert series.attributes.age == 24
    config = detector_config(series.instruments)
    features = dropout_features(series, change=config.change, alliance=config.alliance)
    assert features["young_age"] == 1
    context = guidance_context(
        series,
        config,
        phase="working",
        mandated=False,
        trainee=False,
        has_goals=True,
        active_kinds=["dropout_risk"],
    )
    assert "young" in context


def test_a_client_who_is_25_whatever_the_birthday_is_not_young(therapist_a):
    client, episode, held = make_episode(therapist_a, sessions=2, birth_year=2000)
    assert load_episode_series(episode, now=NOW).series.attributes.age == 25


def _next_appointment(episode) -> Appointment:
    return Appointment.objects.get(episode=episode, attendance=Attendance.SCHEDULED)


def test_the_measure_sent_before_the_next_session_belongs_to_that_session(therapist_a):
    # The default schedule sends the PHQ-9 before each appointment, while it is still only
    # booked: its answer is the next session's, not a correction of the last one's.
    client, episode, held = make_episode(therapist_a, sessions=3)
    for appointment, total in zip(held, (18, 14, 12), strict=True):
        record(
            client,
            "phq9",
            outcome_answers("phq9", total),
            at=appointment.starts_at - HOUR,
            appointment=appointment,
        )
    upcoming = _next_appointment(episode)
    record(client, "phq9", outcome_answers("phq9", 24), at=NOW, appointment=upcoming)

    data = load_episode_series(episode, now=NOW)

    phq = instrument_id("phq9")
    assert [(o.session, o.score) for o in data.series.of(phq)] == [
        (1, 18),
        (2, 14),
        (3, 12),
        (4, 24),
    ]
    assert [s.appointment_id for s in data.sessions] == [a.pk for a in held] + [upcoming.pk]
    # Only sessions known to have happened expect a check-in.
    assert [a.status for a in data.series.attendance] == ["attended"] * 3


def test_a_check_in_for_a_session_nobody_marked_is_a_session_of_its_own(therapist_a):
    client, episode, held = make_episode(therapist_a, sessions=4)
    held[3].attendance = Attendance.SCHEDULED
    held[3].save()
    for appointment, score in zip(held, (9, 9, 9, 5), strict=True):
        record(
            client,
            "session-checkin",
            checkin_answers(score, score, score, score),
            at=appointment.starts_at + HOUR,
            appointment=appointment,
        )
    series = load_episode_series(episode, now=NOW).series
    assert [(o.session, o.score) for o in series.of("session-checkin")] == [
        (1, 36),
        (2, 36),
        (3, 36),
        (4, 20),
    ]


def test_an_answer_placed_by_its_date_never_replaces_the_one_given_for_the_session(
    therapist_a,
):
    client, episode, held = make_episode(therapist_a, sessions=2)
    record(
        client,
        "phq9",
        outcome_answers("phq9", 10),
        at=held[1].starts_at - HOUR,
        appointment=held[1],
    )
    # Answered later for an appointment that was then cancelled: a measurement of the
    # client that day, kept as a point of its own (on session 2 it would have given way
    # to the answer given for session 2 itself, and a worse score would have vanished).
    cancelled = Appointment.objects.create(
        episode=episode, starts_at=NOW - 2 * HOUR, attendance=Attendance.CANCELLED
    )
    record(client, "phq9", outcome_answers("phq9", 20), at=NOW - 3 * HOUR, appointment=cancelled)
    data = load_episode_series(episode, now=NOW)
    assert [(o.session, o.score) for o in data.series.of(instrument_id("phq9"))] == [
        (2, 10),
        (3, 20),
    ]
    # Still a cancellation in the attendance record, and no check-in is expected for it.
    assert [(a.session, a.status) for a in data.series.attendance][-1] == (2, "cancelled")


def test_a_worse_score_answered_before_a_missed_session_keeps_its_alert(therapist_a):
    """The client answers the PHQ-9 link before a session, then does not come: marking the
    session missed must not take their worse score (and its alert) out of monitoring."""
    from django.utils import timezone

    from rapport.monitoring.models import Alert
    from rapport.monitoring.selectors import ACTIVE_STATUSES
    from rapport.monitoring.tasks import recompute_alerts
    from tests.monitoring.db.helpers import outcomes

    now = timezone.now()
    client, episode, held = make_episode(therapist_a, sessions=3, now=now)
    outcomes(client, held, [10, 10, 10])
    missed = Appointment.objects.create(
        episode=episode, starts_at=now - 2 * HOUR, attendance=Attendance.SCHEDULED
    )
    record(client, "phq9", outcome_answers("phq9", 24), at=now - 3 * HOUR, appointment=missed)

    def active_kinds():
        recompute_alerts(now=now)
        alerts = Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES)
        return set(alerts.values_list("kind", flat=True))

    assert "reliable_deterioration" in active_kinds()
    # Explained with the instrument's name as clinicians write it, not its id ("phq9").
    worse = Alert.objects.get(episode=episode, kind="reliable_deterioration")
    assert worse.explanation.startswith("PHQ-9 went from 10 at session 1 to 24 at session 4")
    missed.attendance = Attendance.NO_SHOW
    missed.save(update_fields=["attendance"])
    assert "reliable_deterioration" in active_kinds()
