"""A dropout risk's "since session N" is where its instance began (``services._sync`` keeps
it). Alerts stored before that kept the session their onset had moved to at the last
recompute, so an unchanged risk that began at session 3 read "since session 4" for good.
The recompute puts such a stored onset right (the series shows the same estimate band and
reasons at session 3), without raising the alert again or opening what the therapist has
acknowledged. Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon). All people are invented."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import text
from tests.monitoring.db.helpers import NOW, checkins, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


@pytest.fixture
def held_after_risk(therapist_a):
    """A young client, one missed appointment, the alliance falling at session 3: a medium
    dropout risk raised at session 3, unchanged when session 4 is held."""
    client, episode, held = make_episode(therapist_a, "Risk S.", sessions=3, birth_year=2004)
    Appointment.objects.create(
        episode=episode, starts_at=held[0].starts_at + 2 * DAY, attendance=Attendance.NO_SHOW
    )
    checkins(client, held, [38, 38, 30])
    recompute_alerts(now=NOW)
    Appointment.objects.filter(episode=episode, starts_at=NOW + 6 * DAY).update(
        attendance=Attendance.ATTENDED
    )
    recompute_alerts(now=NOW + 7 * DAY)
    alert = Alert.objects.get(episode=episode, kind="dropout_risk")
    assert (alert.session, alert.onset_session) == (4, 3)
    return client, episode, alert


def _stored_before_the_fix(alert: Alert) -> None:
    """What the code before the fix stored: the onset moved to the latest session."""
    Alert.objects.filter(pk=alert.pk).update(onset_session=alert.session)


def card(http, client, alert) -> str:
    page = http.get(f"/clients/{client.pk}/").content.decode()
    page = page[page.index(f'id="alert-{alert.pk}"') :]
    return text(page[: page.index("</article>")])


def test_a_stored_onset_that_moved_is_put_back_where_the_risk_began(
    login, therapist_a, held_after_risk
):
    client, episode, alert = held_after_risk
    key = alert.signal_key
    _stored_before_the_fix(alert)
    http = login(therapist_a)
    assert "since session 4" in card(http, client, alert)

    result = recompute_alerts(now=NOW + 8 * DAY)

    alert.refresh_from_db()
    assert (alert.signal_key, alert.session, alert.onset_session) == (key, 4, 3)
    assert alert.status == AlertStatus.OPEN
    assert (result.created, result.reopened) == (0, 0)
    shown = card(http, client, alert)
    assert "since session 3" in shown and "since session 4" not in shown
    # Put right once: the next recompute finds nothing to change.
    assert recompute_alerts(now=NOW + 8 * DAY).updated == 0


def test_an_acknowledged_alert_is_corrected_without_opening_again(therapist_a, held_after_risk):
    _client, _episode, alert = held_after_risk
    _stored_before_the_fix(alert)
    alert.refresh_from_db()
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW + 7 * DAY)

    result = recompute_alerts(now=NOW + 8 * DAY)

    alert.refresh_from_db()
    assert alert.onset_session == 3
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.woken_reason == ""
    assert (result.updated, result.reopened) == (1, 0)


def test_an_onset_where_the_risk_did_begin_is_left_alone(held_after_risk):
    _client, episode, alert = held_after_risk
    # Session 2 had no fall in the alliance yet: not the same risk, so 3 stays.
    assert recompute_alerts(now=NOW + 8 * DAY).updated == 0
    alert.refresh_from_db()
    assert alert.onset_session == 3
