"""The check-in's 0-10 scales by the room they have, always with 44 px targets.

One row of eleven 44 px targets needs about 35rem of card. Six a row, 8 px apart, need
304 px of scale: a 390 px phone has about 330 px, so there the scale is 0-5 over 6-10,
the second row starting at the left under 0 (read as text is, not centred). A 360 px phone
has about 300 px and a 320 px one about 260 px: there each scale is a list of eleven rows
(tests/browser/test_scale_at_320_px.py). A wide screen keeps one row.
"""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, checkin_on_a_phone
from tests.browser.test_checkin_flow import small_targets
from tests.browser.test_checkin_narrow import points_outside_their_card
from tests.checkins._helpers import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def rows_of_each_scale(page) -> list[list[list[str]]]:
    """For each scale, its points' labels grouped by row (top to bottom)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.scale')].map(scale => {
            const rows = new Map();
            for (const point of scale.querySelectorAll('label.point')) {
                const top = Math.round(point.getBoundingClientRect().top);
                const label = point.querySelector('input').value;
                rows.set(top, [...(rows.get(top) || []), label]);
            }
            return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(row => row[1]);
        })"""
    )


def second_row_indent(page) -> list[float]:
    """How far each scale's 6-10 row starts from the left of its 0-5 row, in px."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.scale')].map(scale => {
            const box = value => scale.querySelector(`input[value="${value}"]`)
                .closest('label').getBoundingClientRect();
            return Math.abs(box(6).left - box(0).left);
        })"""
    )


SPLIT = [[str(n) for n in range(6)], [str(n) for n in range(6, 11)]]
LIST = [[str(n)] for n in range(11)]


@pytest.mark.parametrize("width", [390, 480])
def test_on_a_larger_phone_0_to_10_is_0_5_over_6_10_with_44_px_targets(
    browser, live_server, client_a, width
):
    with checkin_on_a_phone(browser, live_server, client_a, width) as page:
        assert rows_of_each_scale(page) == [SPLIT] * 4
        assert all(indent < 1 for indent in second_row_indent(page))
        assert small_targets(page, "label.point") == []
        assert points_outside_their_card(page) == []
        assert_no_sideways_scroll(page)
        # A thicker error border takes room from the card: the layout holds.
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("alert").wait_for()
        assert rows_of_each_scale(page) == [SPLIT] * 4
        assert small_targets(page, "label.point") == []
        assert points_outside_their_card(page) == []
        assert_no_sideways_scroll(page)


@pytest.mark.parametrize("width", [360, 320])
def test_on_a_small_phone_0_to_10_is_a_list_with_44_px_targets(
    browser, live_server, client_a, width
):
    with checkin_on_a_phone(browser, live_server, client_a, width) as page:
        assert rows_of_each_scale(page) == [LIST] * 4
        assert small_targets(page, "label.point") == []
        assert points_outside_their_card(page) == []
        assert_no_sideways_scroll(page)


def test_a_tablet_keeps_0_to_10_on_one_row(browser, live_server, client_a):
    context = browser.new_context(viewport={"width": 768, "height": 1024}, has_touch=True)
    page = context.new_page()
    try:
        _, token = make_link(client_a, "session-checkin")
        page.goto(f"{live_server.url}/c/{token}/")
        assert rows_of_each_scale(page) == [[[str(n) for n in range(11)]]] * 4
        assert small_targets(page, "label.point") == []
        assert_no_sideways_scroll(page)
    finally:
        context.close()


def test_a_wide_screen_keeps_0_to_10_on_one_row(page, live_server, client_a):
    _, token = make_link(client_a, "session-checkin")
    page.goto(f"{live_server.url}/c/{token}/")
    assert rows_of_each_scale(page) == [[[str(n) for n in range(11)]]] * 4
    assert small_targets(page, "label.point") == []
