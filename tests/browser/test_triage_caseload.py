"""A therapist opens the triage caseload, finds the client with a rupture first, and sees
what to do about it on the client page."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.browser._helpers import sign_in
from tests.browser.conftest import serious_accessibility_violations
from tests.monitoring.db.helpers import bulk_history, make_episode

from rapport.guidance.services import library_load
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_like_caseload(therapist_a):
    """A small caseload like the demo's: steady clients, one whose check-ins stopped, and
    one whose alliance dropped at session 5 and has not come back."""
    now = timezone.now()
    for name, alliance in [
        ("Ada Steady", [37, 38, 38, 39, 38, 39]),
        ("Cleo Quiet", [38, 38, 38, 38, None, None]),
        ("Elin Calm", [36, 37, 37, 38, 38, 38]),
        ("Nora Rupture", [38, 38, 38, 37, 28, 29]),
    ]:
        client, _, held = make_episode(
            therapist_a, name, sessions=6, now=now, goals=("Get back to my evening class",)
        )
        bulk_history(client, held, alliance=alliance, outcome=[15, 14, 13, 12, 12, 11])
    recompute_alerts(now=now)
    library_load(clinic=therapist_a.clinic)


def test_the_client_with_a_rupture_comes_first_with_strategies_on_the_client_page(
    page, live_server, therapist_a, demo_like_caseload
):
    sign_in(page, live_server, therapist_a)

    rows = page.locator("table.caseload tbody tr")
    assert rows.count() == 4
    first = rows.first.inner_text()
    assert "Nora Rupture" in first and "Rupture" in first
    assert "Cleo Quiet" in rows.nth(1).inner_text()  # overdue check-ins come next
    sparkline = rows.first.locator("img.spark").first
    assert "38, 37, 28, 29" in sparkline.get_attribute("alt")
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Nora Rupture").click()
    page.wait_for_url(f"{live_server.url}/clients/**")
    alert = page.locator("article.alert", has=page.get_by_role("heading", name="Alliance rupture"))
    assert alert.count() == 1
    assert "fell to 28 out of 40 at session 5" in alert.inner_text()
    strategies = alert.locator("ol.strategies > li")
    assert 2 <= strategies.count() <= 4
    assert "Name what you noticed" in strategies.first.inner_text()
    assert page.locator("figure img[alt*='rupture at session 5']").count() == 1
    assert serious_accessibility_violations(page) == []

    alert.get_by_role("button", name="Acknowledge").click()
    page.wait_for_url(f"{live_server.url}/clients/**")
    assert "Alert acknowledged." in page.locator(".messages").inner_text()
    alert = page.locator("article.alert", has=page.get_by_role("heading", name="Alliance rupture"))
    assert "Acknowledged" in alert.inner_text()
