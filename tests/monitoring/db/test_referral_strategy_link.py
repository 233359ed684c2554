""" "Consider referral to a colleague who fits better" is suggested on rupture, low-alliance
and dropout alerts when the fit has stayed poor, but said nothing of where a referral is
made. The strategy now links to the matching app's find page, for the client's own
therapist only: that page refuses anyone else (a supervisor gets 403 there)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode

pytestmark = pytest.mark.django_db

LINK = "Find a better-matched colleague"


@pytest.fixture
def poor_fit(therapist_a):
    """Two ruptures (a poor fit): the rupture alert suggests a referral."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Fit F.", sessions=9, now=now)
    checkins(client, held, [38, 38, 38, 29, 38, 38, 38, 30, 30])
    recompute_alerts(now=now)
    return client, Alert.objects.get(episode=episode, kind="alliance_rupture")


def referral_item(page: str, alert: Alert) -> str:
    """The card's "Consider referral" strategy, up to its sources."""
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    card = card[: card.index("</article>")]
    item = card[card.index("<strong>Consider referral to a colleague who fits better.</strong>") :]
    return item[: item.index('<details class="sources">')]


def test_the_therapist_gets_a_link_to_find_a_colleague(login, therapist_a, poor_fit):
    client, alert = poor_fit
    http = login(therapist_a)
    item = referral_item(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    href = f"/clients/{client.pk}/referral/"
    assert f'<a class="strategy-link" href="{href}">{LINK}</a>' in item
    assert http.get(href).status_code == 200  # the page the link leads to is theirs to use
    # The alert's own page (acknowledge, snooze, ...) lists the strategy with the link too.
    page = http.get(f"/alerts/{alert.pk}/snooze/").content.decode()
    assert f'<a class="strategy-link" href="{href}">{LINK}</a>' in page
    # Only on the referral strategy: no other strategy of the card links there.
    card = http.get(f"/clients/{client.pk}/").content.decode()
    card = card[card.index(f'id="alert-{alert.pk}"') :]
    assert card[: card.index("</article>")].count(href) == 1


def test_a_supervisor_sees_the_strategy_without_the_link(login, supervisor, poor_fit):
    client, alert = poor_fit
    http = login(supervisor)
    item = referral_item(http.get(f"/clients/{client.pk}/").content.decode(), alert)
    assert "Talk it through in supervision first." in item  # the strategy is shown
    assert LINK not in item and "/referral/" not in item
    page = http.get(f"/alerts/{alert.pk}/snooze/").content.decode()
    assert "Consider referral to a colleague who fits better." in page and LINK not in page
    assert http.get(f"/clients/{client.pk}/referral/").status_code == 403
