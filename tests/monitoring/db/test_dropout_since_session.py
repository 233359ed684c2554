"""A dropout risk is judged as of the latest session, so its detector reports that session
every time. The card's "since session N" is where the alert's instance (the same estimate
band and reasons) began, not the latest session: before, holding a session turned "since
session 3" into "since session 4" for a risk unchanged since session 3, and an alert page
left open while a session was held refused the therapist's click although nothing on it
had changed. A new instance (a new reason, a step up to high) starts at its own session.
Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon) for the answers and the recomputes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import shown_on, text
from tests.monitoring.db.helpers import NOW, checkins, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


@pytest.fixture
def at_risk(therapist_a):
    """A young client, one missed appointment, the alliance falling at session 3: a medium
    dropout risk raised at session 3."""
    client, episode, held = make_episode(therapist_a, "Risk R.", sessions=3, birth_year=2004)
    Appointment.objects.create(
        episode=episode,
        starts_at=held[0].starts_at + 2 * DAY,
        attendance=Attendance.NO_SHOW,
    )
    checkins(client, held, [38, 38, 30])
    recompute_alerts(now=NOW)
    alert = Alert.objects.get(episode=episode, kind="dropout_risk")
    assert (alert.session, alert.onset_session) == (3, 3)
    return client, episode, alert


def hold_next_session(episode) -> None:
    """The session booked for NOW + 6 days is held; no check-in comes for it yet."""
    Appointment.objects.filter(episode=episode, starts_at=NOW + 6 * DAY).update(
        attendance=Attendance.ATTENDED
    )


def card(http, client, alert) -> str:
    page = http.get(f"/clients/{client.pk}/").content.decode()
    page = page[page.index(f'id="alert-{alert.pk}"') :]
    return text(page[: page.index("</article>")])


def test_a_session_held_leaves_since_session_where_the_risk_began(login, therapist_a, at_risk):
    client, episode, alert = at_risk
    key = alert.signal_key
    hold_next_session(episode)
    recompute_alerts(now=NOW + 7 * DAY)
    alert.refresh_from_db()
    assert alert.signal_key == key and alert.session == 4
    assert alert.onset_session == 3
    shown = card(login(therapist_a), client, alert)
    assert "since session 3" in shown and "since session 4" not in shown


def test_a_session_held_while_the_page_was_open_does_not_refuse(login, therapist_a, at_risk):
    client, episode, alert = at_risk
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/snooze/").content.decode())

    hold_next_session(episode)
    recompute_alerts(now=NOW + 7 * DAY)
    alert.refresh_from_db()
    assert alert.session == 4

    until = (timezone.localdate() + 9 * DAY).isoformat()
    response = http.post(f"/alerts/{alert.pk}/snooze/", {"until": until, "shown": shown})

    assert response.status_code == 302, text(response.content.decode())
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SNOOZED
