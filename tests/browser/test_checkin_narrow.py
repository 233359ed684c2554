"""The client's page at 320 CSS px: a small phone, or a larger one zoomed to 200%."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll
from tests.browser.conftest import serious_accessibility_violations
from tests.browser.test_checkin_flow import small_targets
from tests.checkins._helpers import make_link
from tests.checkins.test_wording_upload import wording_file

from rapport.measures.models import Response
from rapport.measures.services import wording_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def points_outside_their_card(page) -> list[str]:
    return page.evaluate(
        """() => [...document.querySelectorAll('.question label.point')].flatMap(point => {
            const card = point.closest('.question').getBoundingClientRect();
            const box = point.getBoundingClientRect();
            const inside = box.left >= card.left && box.right <= card.right
                && box.top >= card.top && box.bottom <= card.bottom;
            const where = `x ${box.left}-${box.right}, card ${card.left}-${card.right}`;
            return inside ? [] : [`${point.textContent.trim()}: ${where}`];
        })"""
    )


def test_the_0_to_10_scales_fit_their_cards_at_320_px(narrow_page, live_server, client_a):
    _, token = make_link(client_a, "session-checkin")
    narrow_page.goto(f"{live_server.url}/c/{token}/")
    assert narrow_page.locator("label.point").count() == 44  # four 0-10 scales
    assert points_outside_their_card(narrow_page) == []
    assert_no_sideways_scroll(narrow_page)
    assert small_targets(narrow_page, "label.point") == []
    assert small_targets(narrow_page, "label.choice") == []
    assert serious_accessibility_violations(narrow_page) == []
    # With an error shown (a thicker border), the scales still fit.
    narrow_page.get_by_role("button", name="Send my answers").click()
    narrow_page.get_by_role("alert").wait_for()
    assert points_outside_their_card(narrow_page) == []
    assert_no_sideways_scroll(narrow_page)


def test_a_decimal_comma_typed_on_the_phone_reaches_the_server_as_typed(
    narrow_page, live_server, client_a, clinic, admin_user
):
    # Placeholder ORS wording: licensed wording never enters the repository.
    wording_upload(actor=admin_user, clinic=clinic, text=wording_file("ors"))
    _, token = make_link(client_a, "ors")
    narrow_page.goto(f"{live_server.url}/c/{token}/")
    assert serious_accessibility_violations(narrow_page) == []
    for number, typed in enumerate(["7,5", "0,5", "1,0", "10"], start=1):
        field = narrow_page.locator(f"#a-ors_{number}")
        field.click()
        narrow_page.keyboard.type(typed)  # as a person types it, keystroke by keystroke
    assert_no_sideways_scroll(narrow_page)
    narrow_page.get_by_role("button", name="Send my answers").click()
    assert narrow_page.get_by_role("heading", level=1).inner_text() == "Thank you"
    stored = Response.objects.get()
    assert [stored.item_values[f"ors_{n}"] for n in range(1, 5)] == [7.5, 0.5, 1, 10]
