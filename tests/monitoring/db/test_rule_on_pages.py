"""The client page and the alert's own page give each rule as a sentence, the formula as
computed folded away under it."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.html import escape

from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts
from rapport.monitoring.templatetags.evidence_text import rule_sentence
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

pytestmark = pytest.mark.django_db


@pytest.fixture
def not_on_track(therapist_a):
    """A PHQ-9 that climbs from 8 to 18: not on track, with the alliance steady."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Formula F.", sessions=6, now=now)
    checkins(client, held, [38] * 6)
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    recompute_alerts(now=now)
    return client, Alert.objects.get(episode=episode, kind="not_on_track")


def _rule_row(html: str) -> str:
    return re.search(r"<dt>Rule</dt><dd>(.*?)</dd>", html).group(1)


def _computed(html: str) -> str:
    found = re.search(
        r'<details class="rule-computed"><summary>The rule as computed</summary>'
        r"<p><code>(.*?)</code></p></details>",
        html,
    )
    return found.group(1) if found else ""


def test_the_client_page_says_the_rule_and_folds_the_formula_away(login, therapist_a, not_on_track):
    client, alert = not_on_track
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    card = page[page.index(f'id="alert-{alert.pk}"') :]
    card = card[: card.index("</article>")]
    assert _rule_row(card) == escape(rule_sentence(alert.evidence, alert.kind))
    assert _rule_row(card).startswith("Raised when the score is worse than")
    assert "ln(t)" not in _rule_row(card)
    assert _computed(card) == escape(alert.evidence["rule"])
    assert "ln(t)" in _computed(card)


def test_the_alert_page_does_the_same(login, therapist_a, not_on_track):
    _client, alert = not_on_track
    page = login(therapist_a).get(f"/alerts/{alert.pk}/acknowledge/").content.decode()
    assert _rule_row(page).startswith("Raised when the score is worse than")
    assert _computed(page) == escape(alert.evidence["rule"])
