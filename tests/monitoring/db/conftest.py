"""Fixtures for monitoring's database tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def hooks_off(monkeypatch):
    """Store responses without running the listeners, so a test drives the recompute itself
    on its fixed clock (the hooks use the wall clock)."""
    from rapport.core import hooks

    monkeypatch.setattr(hooks, "_response_listeners", [])
    monkeypatch.setattr(hooks, "_attendance_listeners", [])


@pytest.fixture
def pushed_at_3(therapist_a):
    """Three weekly sessions ending the day before helpers.NOW; check-ins about sessions 1
    and 3 (36 each) answered an hour after them, session 3's saying "a little" pushed; none
    about session 2 yet. (client, episode, the three appointments, the open "pushed" alert.)"""
    import datetime as dt

    from rapport.monitoring.instruments import CHECKIN
    from rapport.monitoring.models import Alert, AlertStatus
    from rapport.monitoring.tasks import recompute_alerts
    from tests.monitoring.db.helpers import NOW, checkin_answers, make_episode, record

    client, episode, held = make_episode(therapist_a, "Sid S.", sessions=3, now=NOW)
    for appointment, pushed in ((held[0], 0), (held[2], 1)):
        record(
            client,
            CHECKIN,
            checkin_answers(9, 9, 9, 9, pushed=pushed),
            at=appointment.starts_at + dt.timedelta(hours=1),
            appointment=appointment,
        )
    recompute_alerts(now=NOW)
    alert = Alert.objects.get(episode=episode, kind="pushed_or_overridden", status=AlertStatus.OPEN)
    assert alert.session == 3 and alert.severity == "low"
    return client, episode, held, alert
