"""An alert card says "Acknowledged" only for a click on Acknowledge, and who logged an action.

Logging an action also marks the alert acknowledged (``services.alert_log_action``), so a
therapist who had only logged what they did read "Acknowledged by you, 7 Dec." above the
tag "Action logged", as if they had clicked Acknowledge (accessibility pass).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import as_shown, checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def morgan(supervisor):
    supervisor.full_name = "Morgan Lee"
    supervisor.save()
    return supervisor


@pytest.fixture
def low(therapist_a):
    """A client whose alliance is below threshold (wall clock: pages read "today")."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Card C.", sessions=6, now=now)
    checkins(client, held, [38, 38, 37, (6, 8, 8), (7, 8, 8), (7, 8, 8)])
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    recompute_alerts(now=now)
    return Alert.objects.get(episode=episode, kind="alliance_low")


def day(moment: dt.date) -> str:
    return f"{moment.day} {moment:%b}"


def log_action(http, alert: Alert) -> None:
    response = http.post(
        f"/alerts/{alert.pk}/action/",
        as_shown(
            alert,
            {
                "strategy": "",
                "note": "Asked what would fit better.",
                "performed_on": timezone.localdate().isoformat(),
            },
        ),
    )
    assert response.status_code == 302


def card_of(http, alert: Alert) -> str:
    page = http.get(f"/clients/{alert.client_id}/").content.decode()
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    return card[: card.index("</article>")]


def history_of(card: str) -> list[str]:
    return [line.split("</p>", 1)[0] for line in card.split('class="muted alert-history">')[1:]]


def test_an_action_alone_reads_as_an_action_not_an_acknowledgement(login, therapist_a, low):
    http = login(therapist_a)
    log_action(http, low)
    low.refresh_from_db()
    assert low.status == AlertStatus.ACTION_LOGGED
    card = card_of(http, low)
    assert '<li class="sev">Action logged</li>' in card
    assert history_of(card) == [f"Action logged by you, {day(timezone.localdate())}."]
    assert "Acknowledged" not in card


def test_the_alert_page_does_not_say_acknowledged_after_an_action_alone(login, therapist_a, low):
    http = login(therapist_a)
    log_action(http, low)
    # "Log what you did" again: the page is given the alert's actions.
    page = http.get(f"/alerts/{low.pk}/action/").content.decode()
    assert "Action logged" in page  # its status line
    assert "Acknowledged by" not in page


def test_a_click_on_acknowledge_by_someone_else_is_still_named(login, therapist_a, morgan, low):
    assert login(morgan).post(f"/alerts/{low.pk}/acknowledge/", as_shown(low)).status_code == 302
    http = login(therapist_a)
    log_action(http, low)
    today = day(timezone.localdate())
    assert history_of(card_of(http, low)) == [
        f"Acknowledged by Morgan Lee (supervisor), {today}.",
        f"Action logged by you, {today}.",
    ]


def test_an_acknowledgement_on_an_earlier_day_is_still_named(login, therapist_a, low):
    yesterday = timezone.now() - dt.timedelta(days=1)
    services.alert_acknowledge(actor=therapist_a, alert=low, now=yesterday)
    http = login(therapist_a)
    log_action(http, low)
    assert history_of(card_of(http, low)) == [
        f"Acknowledged by you, {day(timezone.localdate(yesterday))}.",
        f"Action logged by you, {day(timezone.localdate())}.",
    ]


def test_an_action_by_the_supervisor_is_theirs_on_the_therapists_card(
    login, therapist_a, morgan, low
):
    log_action(login(morgan), low)
    card = card_of(login(therapist_a), low)
    assert history_of(card) == [
        f"Action logged by Morgan Lee (supervisor), {day(timezone.localdate())}."
    ]
