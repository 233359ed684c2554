"""Alerts follow new responses and attendance changes as they happen (the hooks).

The recompute runs once the storing transaction has committed, so these tests run the
on-commit callbacks explicitly.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from rapport.clinic.models import Attendance
from rapport.clinic.services import appointment_record_attendance
from rapport.measures.models import Response
from rapport.monitoring.models import Alert, AlertStatus
from tests.monitoring.db.helpers import checkin_answers, checkins, make_episode, record

pytestmark = pytest.mark.django_db


def test_a_stored_check_in_raises_the_rupture_alert_straight_away(
    therapist_a, django_capture_on_commit_callbacks
):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Hook H.", sessions=4, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        checkins(client, held[:3], [38, 38, 38])
    assert not Alert.objects.filter(episode=episode, kind="alliance_rupture").exists()
    with django_capture_on_commit_callbacks(execute=True):
        checkins(client, held[3:], [28])
    alert = Alert.objects.get(episode=episode, kind="alliance_rupture")
    assert alert.status == AlertStatus.OPEN and alert.onset_session == 4


def test_many_responses_in_one_transaction_recompute_each_episode_once(
    therapist_a, django_capture_on_commit_callbacks
):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Batch B.", sessions=4, now=now)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        checkins(client, held, [38, 38, 38, 28])
    assert len(callbacks) == 1
    assert Alert.objects.filter(episode=episode, kind="alliance_rupture").exists()


def test_recording_attendance_recomputes_the_episode(
    therapist_a, django_capture_on_commit_callbacks
):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Absent A.", sessions=4, now=now)
    for appointment in held[2:]:
        appointment.attendance = Attendance.SCHEDULED
        appointment.save()
    with django_capture_on_commit_callbacks(execute=True):
        checkins(client, held[:2], [38, 38])
    assert not Alert.objects.filter(episode=episode, kind="feedback_missing").exists()
    # Sessions 3 and 4 are then recorded as attended, without check-ins: two in a row.
    with django_capture_on_commit_callbacks(execute=True):
        for appointment in held[2:]:
            appointment_record_attendance(
                actor=therapist_a, appointment=appointment, attendance=Attendance.ATTENDED
            )
    alert = Alert.objects.get(episode=episode, kind="feedback_missing")
    assert alert.status == AlertStatus.OPEN and alert.evidence["missing_sessions"] == [3, 4]


def test_a_failing_recompute_never_loses_the_clients_submission(
    therapist_a, monkeypatch, django_capture_on_commit_callbacks
):
    import rapport.monitoring.services as services

    def broken(**kwargs):
        raise RuntimeError("detector bug")

    monkeypatch.setattr(services, "alerts_recompute_episode", broken)
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Safe S.", sessions=1, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        checkins(client, held, [20])
    assert Response.objects.filter(client=client).count() == 1
    assert not Alert.objects.filter(episode=episode).exists()


def test_a_response_without_an_episode_counts_for_the_open_episode(
    therapist_a, django_capture_on_commit_callbacks
):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Loose L.", sessions=2, now=now)
    with django_capture_on_commit_callbacks(execute=True):
        for appointment in held:
            record(
                client,
                "session-checkin",
                checkin_answers(2, 2, 2, 3),
                at=appointment.starts_at + dt.timedelta(hours=1),
            )
    assert Response.objects.filter(client=client, episode__isnull=True).count() == 2
    assert Alert.objects.filter(episode=episode, kind="alliance_low").exists()
