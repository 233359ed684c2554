"""The client page says the same about a late answer everywhere: the table under the alerts
does not say "Repaired" while the alert says the rupture was not heard, and the alert card
does not repeat the day it was answered under an explanation that already gives it.

The case of ``test_late_answer``: sessions on three Mondays, the check-ins about the first
and third (36 each) on time, the one about the second answered after the third's with 8 of
40 and "yes" to feeling pushed. Ordered by session, 36-8-36 is a rupture repaired at 3.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.utils import timezone

from rapport.monitoring import services
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.models import AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkin_answers, make_episode, record
from tests.monitoring.db.test_late_answer import HOUR, active, day, monitoring_panel

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

REPAIRED = "Repaired: back to 36"
RUPTURE = "Rupture: 8, 28 below"


@pytest.fixture
def late(therapist_a):
    """Ada's check-ins about sessions 1 and 3 on time (36), the one about session 2 answered
    a minute ago (8, pushed "yes"); alerts recomputed."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Ada A.", sessions=3, now=now)
    for appointment in (held[0], held[2]):
        record(
            client,
            CHECKIN,
            checkin_answers(9, 9, 9, 9),
            at=appointment.starts_at + HOUR,
            appointment=appointment,
        )
    answered = now - dt.timedelta(minutes=1)
    record(client, CHECKIN, checkin_answers(3, 2, 1, 2, pushed=2), at=answered, appointment=held[1])
    recompute_alerts(now=now)
    return client, episode, held, now, answered


def page(http, client) -> str:
    """The panel's text, with the charts' alt text (where "repair at session 3" is said)."""
    raw = http.get(f"/clients/{client.pk}/").content.decode()
    alts = " ".join(html.unescape(a) for a in re.findall(r'alt="([^"]*)"', raw))
    return monitoring_panel(raw) + " " + alts


def test_the_table_does_not_say_repaired_until_the_late_answer_is_seen(login, therapist_a, late):
    client, episode, held, now, answered = late
    http = login(therapist_a)
    panel = page(http, client)
    assert "after the one about session 3 had been counted" in panel
    assert RUPTURE in panel  # the fall is in the table, at its session
    assert REPAIRED not in panel  # not under an alert saying it was not heard
    assert "repair at session 3" not in panel  # nor in the chart's text

    # One of the two seen: the low answer is still unseen, so still no repair.
    services.alert_acknowledge(
        actor=therapist_a, alert=active(episode)["pushed_or_overridden"], now=now
    )
    recompute_alerts(now=now)
    assert set(active(episode)) == {"alliance_low"}
    assert REPAIRED not in page(http, client)

    # Both seen: the alert says repaired, and so does the table.
    low = active(episode)["alliance_low"]
    services.alert_dismiss(actor=therapist_a, alert=low, reason="Talked it through", now=now)
    recompute_alerts(now=now)
    assert set(active(episode)) == {"alliance_repaired"}
    assert active(episode)["alliance_repaired"].status == AlertStatus.OPEN
    panel = page(http, client)
    assert REPAIRED in panel and "repair at session 3" in panel and RUPTURE in panel


def test_a_late_answers_card_gives_the_day_it_was_answered_once(login, therapist_a, late):
    client, episode, held, now, answered = late
    panel = page(login(therapist_a), client)
    said = f"was answered on {day(answered)}"
    # Two alerts (pushed, low), each explanation saying it once; no note repeating it.
    assert panel.count(said) == 2
    assert f"for session 2 ({day(held[1].starts_at)}) {said}" not in panel
