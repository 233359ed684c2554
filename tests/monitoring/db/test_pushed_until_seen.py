"""A "pushed or overridden" answer followed by a "no" before anyone saw it stays an open
alert, on the client page with the later answer, until the therapist acknowledges it, logs
what they did or dismisses it (``current._pushed``, ``selectors.PUSHED_SEEN_ROWS``)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode
from tests.monitoring.db.test_late_answer import monitoring_panel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


@pytest.fixture
def gus(therapist_a):
    """Three sessions; "yes" to feeling pushed at session 2, "no" at session 3, both
    answered before any recompute: no alert ever showed the "yes"."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Gus G.", sessions=3, now=now)
    checkins(client, held, [38, 38, 38], pushed={2: 2})
    recompute_alerts(now=now)
    return client, episode, now


def pushed_alert(episode):
    return Alert.objects.get(episode=episode, kind="pushed_or_overridden")


def test_it_is_open_and_the_card_says_the_later_answer(login, therapist_a, gus):
    client, episode, now = gus
    alert = pushed_alert(episode)
    assert alert.status == AlertStatus.OPEN and alert.onset_session == 2
    assert alert.severity == "medium"
    panel = monitoring_panel(login(therapist_a).get(f"/clients/{client.pk}/").content.decode())
    assert "At session 2 the client answered 'yes' to feeling pushed or overridden." in panel
    assert "The check-in about session 3 said 'no'; this answer stays until you" in panel
    assert "Later check-in, about session 3" in panel and "Its answer no" in panel
    # A later recompute does not close it.
    recompute_alerts(now=now)
    assert pushed_alert(episode).status == AlertStatus.OPEN


@pytest.mark.parametrize("how", ["acknowledge", "action", "dismiss"])
def test_seen_it_closes_and_stays_closed(therapist_a, gus, how):
    client, episode, now = gus
    alert = pushed_alert(episode)
    if how == "acknowledge":
        services.alert_acknowledge(actor=therapist_a, alert=alert, now=now)
    elif how == "action":
        services.alert_log_action(actor=therapist_a, alert=alert, note="Talked it through", now=now)
    else:
        services.alert_dismiss(actor=therapist_a, alert=alert, reason="Discussed", now=now)
    recompute_alerts(now=now)
    recompute_alerts(now=now)
    rows = Alert.objects.filter(episode=episode, kind="pushed_or_overridden")
    assert rows.count() == 1
    assert rows.get().status in (AlertStatus.RESOLVED, AlertStatus.DISMISSED)


def test_acknowledged_while_still_the_latest_answer_it_stays_acknowledged(therapist_a):
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Gus G.", sessions=3, now=now)
    checkins(client, held, [38, 38, 38], pushed={3: 2})
    recompute_alerts(now=now)
    services.alert_acknowledge(actor=therapist_a, alert=pushed_alert(episode), now=now)
    recompute_alerts(now=now)
    assert pushed_alert(episode).status == AlertStatus.ACKNOWLEDGED
