"""Fixtures for monitoring's database tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

# What the alert pages say when the alert changed between the page and the click.
CHANGED = "This alert changed while the page was open: read what is new, then choose again."


def text(page: str) -> str:
    """The page's words, tags removed and white space folded."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def shown_on(page: str) -> list[str]:
    """The alert versions the page's forms carry (``services.alert_version``)."""
    return re.findall(r'<input type="hidden" name="shown" value="([0-9a-f]*)"', page)


def answer_session_2_pushed(client, held) -> None:
    """In the ``pushed_at_3`` scene, while the page is open: the check-in about session 2,
    answered late, says "yes"."""
    from rapport.monitoring.instruments import CHECKIN
    from rapport.monitoring.tasks import recompute_alerts
    from tests.monitoring.db.helpers import NOW, checkin_answers, record

    at = NOW + dt.timedelta(days=1) - dt.timedelta(hours=1)
    record(client, CHECKIN, checkin_answers(9, 9, 9, 9, pushed=2), at=at, appointment=held[1])
    recompute_alerts(now=at + dt.timedelta(hours=1))


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
