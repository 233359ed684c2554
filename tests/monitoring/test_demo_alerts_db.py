"""The demo clinic shows alerts: computed after the demo's check-in responses exist."""

from __future__ import annotations

import pytest

from rapport.accounts.models import User
from rapport.clinic.selectors import caseload_for
from rapport.demo import _extensions, seed_demo
from rapport.monitoring.apps import demo_alerts
from rapport.monitoring.models import ACTIVE_STATUSES, Alert


def test_the_alert_recompute_runs_after_every_extension_that_stores_responses():
    from rapport.checkins.demo import add_demo_responses

    assert _extensions.index(demo_alerts) > _extensions.index(add_demo_responses)


@pytest.mark.django_db
def test_the_demo_caseload_opens_on_clients_who_need_attention():
    seed_demo()
    kinds = set(Alert.objects.filter(status__in=ACTIVE_STATUSES).values_list("kind", flat=True))
    assert {"alliance_rupture", "alliance_low", "recovered"} <= kinds
    for email in ("alex@demo.test", "sam@demo.test"):
        rows = caseload_for(User.objects.get(email=email))
        # An alert, or a risk answer to follow up (which comes before any alert).
        first = rows[0]
        assert first.alerts or first.risk_unreviewed, f"{email}'s caseload opens on no need"
    morgan = caseload_for(User.objects.get(email="morgan@demo.test"))
    assert any(a.kind == "alliance_rupture" for row in morgan[:6] for a in row.alerts)
