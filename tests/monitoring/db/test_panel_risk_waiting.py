"""Under an open risk answer the monitoring panel does not read as all-clear.

A walkthrough found a client with an unreviewed PHQ-9 item-9 answer shown, right under the
red risk notice, "No alerts need action for this episode." and a green "Recovered" card.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.measures.models import Response
from rapport.monitoring.models import ACTIVE_STATUSES, Alert
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import checkins, make_episode, outcome_answers, outcomes, record

pytestmark = pytest.mark.django_db

ALL_CLEAR = "No alerts need action for this episode."
WAITING = "No alerts need action, but a risk answer is waiting to be followed up"


@pytest.fixture
def recovered_with_risk(therapist_a):
    """A client whose PHQ-9 went from 16 to 2 (recovered), the last answer with item 9 at
    "Several days", and nothing else to act on."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Lena M.", sessions=6, now=now)
    checkins(client, held, [38] * 6)
    outcomes(client, held[:-1], [16, 12, 9, 6, 4])
    answers = outcome_answers("phq9", 1)
    answers["phq9_9"] = 1  # the one point: item 9, "Several days"
    record(
        client,
        "phq9",
        answers,
        at=held[-1].starts_at - timezone.timedelta(hours=1),
        appointment=held[-1],
    )
    recompute_alerts(now=now)
    active = Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES)
    assert {a.kind for a in active if not a.is_positive} == set()
    assert "recovered" in {a.kind for a in active}
    risk = Response.objects.get(client=client, instrument_id="phq9", risk_flags=["phq9_9"])
    return client, risk


def test_no_alerts_is_not_all_clear_while_a_risk_answer_waits(
    login, therapist_a, recovered_with_risk
):
    client, risk = recovered_with_risk
    http = login(therapist_a)
    page = http.get(f"/clients/{client.pk}/").content.decode()
    assert "Risk answer to follow up" in page  # the notice itself, above
    panel = page[page.index('id="monitoring-h"') :]
    assert ALL_CLEAR not in panel
    assert WAITING in panel and 'href="#risk-h"' in panel
    # The good news stays, after the line that points at the risk answer.
    assert panel.index(WAITING) < panel.index("Good news") < panel.index("Recovered")
    assert "do not make the risk answer above less urgent" in panel

    # Once followed up, the panel may say all is clear again.
    followed_up = {"note": "Talked about safety; no plan or intent."}
    assert http.post(f"/responses/{risk.pk}/risk-reviewed/", followed_up).status_code == 302
    panel = http.get(f"/clients/{client.pk}/").content.decode()
    panel = panel[panel.index('id="monitoring-h"') :]
    assert ALL_CLEAR in panel and WAITING not in panel
    assert "less urgent" not in panel
