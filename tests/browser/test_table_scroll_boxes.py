"""A table wider than a phone: its scroll box is reached with the Tab key, shows where the
focus is, and shows a shadow on the side that has more to scroll to. No page asks for
/favicon.ico (the icon is named)."""

from __future__ import annotations

import pytest
from tests.browser._helpers import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_on_a_phone_the_appointments_box_is_reached_by_keyboard_and_shows_it_scrolls(
    narrow_page, live_server, therapist_a, client_a
):
    page = narrow_page
    icon_requests: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda response: (
            "favicon" in response.url
            and icon_requests.append((response.url.removeprefix(live_server.url), response.status))
        ),
    )
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    box = page.get_by_role("region", name="Appointments table")
    assert box.evaluate("e => e.scrollWidth > e.clientWidth"), "the table fits: nothing to test"

    # Tabbing through the page reaches the box itself.
    for _ in range(80):
        page.keyboard.press("Tab")
        if box.evaluate("e => document.activeElement === e"):
            break
    assert box.evaluate("e => document.activeElement === e")
    assert box.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("ArrowRight")  # the focused box scrolls with the arrow keys
    page.wait_for_function(
        "() => document.querySelector('.table-wrap[role=region]').scrollLeft > 0"
    )

    style = box.evaluate(
        "e => [getComputedStyle(e).backgroundImage, getComputedStyle(e).backgroundAttachment]"
    )
    # Two white covers that scroll with the table, two shadows fixed at the box's edges.
    assert style[0].count("linear-gradient") == 4
    assert style[1].startswith("local, local, scroll, scroll")
    # The table lets the shadows show through.
    assert box.locator("table").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgba(0, 0, 0, 0)"
    )
    assert ("/static/rapport/favicon.svg", 200) in icon_requests
    assert not [url for url, _status in icon_requests if url.startswith("/favicon.ico")]
