from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.browser.conftest import serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_logs_in_opens_the_caseload_and_a_client(
    page, live_server, therapist_a, client_a, client_b
):
    sign_in(page, live_server, therapist_a)
    assert page.get_by_role("heading", level=1).inner_text() == "Caseload"
    # The stylesheet is served (no CDN): the top bar carries the brand colour.
    topbar = page.locator("header.topbar")
    assert topbar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 92, 107)"
    rows = page.locator("table.caseload tbody tr")
    assert rows.count() == 1
    assert client_a.display_name in rows.first.inner_text()
    assert "Establishing" in rows.first.inner_text()
    assert client_b.display_name not in page.content()
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name=client_a.display_name).click()
    page.wait_for_url(f"{live_server.url}/clients/{client_a.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == client_a.display_name
    assert page.get_by_role("heading", name="Current episode").is_visible()
    assert "goal in own words" in page.locator("ul.goals").inner_text()
    assert page.locator("table.appointments tbody tr").count() == 2
    assert serious_accessibility_violations(page) == []


def test_on_a_phone_each_caseload_cell_says_what_it_is(
    phone_page, live_server, therapist_a, client_a
):
    page = phone_page
    sign_in(page, live_server, therapist_a)
    row = page.locator("table.caseload tbody tr").first
    # The header row is hidden at this width, so the cells carry their own labels.
    assert page.locator("table.caseload thead").is_hidden()
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert '"Last seen: "' in labels and '"Next appointment: "' in labels
    # Nothing makes the page scroll sideways.
    assert_no_sideways_scroll(page)
