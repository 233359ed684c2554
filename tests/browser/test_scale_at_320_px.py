"""The check-in's 0-10 scales on a 320-360 px phone read in order, with room between targets.

Eleven 44 px targets and their gaps need about 35rem; a 320 px phone leaves the scale about
260 px and a 360 px one about 300 px, so a row of six needs 2 px gaps (and a centred row of
five under it breaks left-to-right reading). On these phones each scale is a list, 0 at the
top, one 44 px tall target a row, 8 px apart, and each anchor ("Not at all") is written in
the row of the point it names.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, checkin_on_a_phone
from tests.checkins._helpers import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/rapport-shots")


def scale_layouts(page) -> list[dict]:
    """For each scale on the page: each point's value and box, and each written anchor
    (the ``.anchors`` line's "value = label") with where its visible text is drawn."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.scale')].map(scale => {
            const question = scale.closest('.question');
            const points = [...scale.querySelectorAll('label.point')].map(point => {
                const box = point.getBoundingClientRect();
                return {value: point.querySelector('input').value, left: box.left,
                        right: box.right, top: box.top, bottom: box.bottom,
                        width: box.width, height: box.height};
            });
            const anchors = [...question.querySelectorAll('.anchors span')].map(span => {
                const [value, ...label] = span.textContent.split(' = ');
                return {value: value.trim(), label: label.join(' = ').trim()};
            });
            const drawn = [...scale.querySelectorAll('label.point')].flatMap(point => {
                const value = point.querySelector('input').value;
                const number = [...point.children].find(c => c.textContent.trim() === value);
                return [...point.querySelectorAll('span')].filter(span => span !== number)
                    .map(span => {
                        const box = span.getBoundingClientRect();
                        const style = getComputedStyle(span);
                        const seen = box.width > 20 && box.height > 8
                            && style.clip === 'auto' && style.visibility === 'visible';
                        return {value, text: span.textContent.trim(), seen,
                                left: box.left, right: box.right, top: box.top,
                                bottom: box.bottom, afterNumber: box.left >= number
                                    .getBoundingClientRect().right};
                    });
            });
            return {points, anchors, drawn};
        })"""
    )


def reading_order_problems(points: list[dict]) -> list[str]:
    """Each point must come after the one before it: on the same row and to its right, or
    on a lower row that starts at the scale's left edge. With 8 px or more between them."""
    problems = []
    left_edge = points[0]["left"]
    for before, point in zip(points, points[1:], strict=False):
        name = f"{before['value']} -> {point['value']}"
        same_row = abs(point["top"] - before["top"]) < 1
        if same_row:
            if point["left"] - before["right"] < 8:
                problems.append(f"{name}: {point['left'] - before['right']:.1f} px apart")
        elif point["top"] - before["bottom"] >= 8:
            if abs(point["left"] - left_edge) > 1:
                problems.append(
                    f"{name}: new row starts at {point['left']:.0f}, not {left_edge:.0f}"
                )
        else:
            problems.append(f"{name}: not to the right, nor 8 px lower ({point['top']:.0f})")
    return problems


@pytest.mark.parametrize("width", [320, 360])
def test_a_0_to_10_scale_on_a_small_phone_reads_in_order_with_room_to_tap(
    browser, live_server, client_a, width
):
    with checkin_on_a_phone(browser, live_server, client_a, width) as page:
        for attempt in ("fresh", "with errors"):
            if attempt == "with errors":  # a thicker error border takes room from the card
                page.get_by_role("button", name="Send my answers").click()
                page.get_by_role("alert").wait_for()
            layouts = scale_layouts(page)
            assert len(layouts) == 4
            for scale in layouts:
                points = scale["points"]
                assert [p["value"] for p in points] == [str(n) for n in range(11)]
                assert reading_order_problems(points) == [], attempt
                assert [p["value"] for p in points if p["height"] < 44 or p["width"] < 44] == []
                # Each anchor is written beside its own point, inside that point's target.
                assert scale["anchors"], "the check-in's scales name their ends"
                seen = [d for d in scale["drawn"] if d["seen"]]
                assert sorted((d["value"], d["text"]) for d in seen) == sorted(
                    (a["value"], a["label"]) for a in scale["anchors"]
                )
                boxes = {p["value"]: p for p in points}
                for anchor in seen:
                    box = boxes[anchor["value"]]
                    assert anchor["afterNumber"], anchor
                    assert box["left"] <= anchor["left"] and anchor["right"] <= box["right"]
                    assert box["top"] <= anchor["top"] and anchor["bottom"] <= box["bottom"]
            assert_no_sideways_scroll(page)
        SHOTS.mkdir(exist_ok=True)
        page.locator(".question").first.screenshot(path=SHOTS / f"scale-{width}.png")


def test_a_focused_point_shows_its_ring_and_arrow_keys_move_along_the_scale(
    narrow_page, live_server, client_a
):
    _, token = make_link(client_a, "session-checkin")
    narrow_page.goto(f"{live_server.url}/c/{token}/")
    group = narrow_page.get_by_role("group", name="Question 1 of")
    group.get_by_role("radio", name="0 Not at all").check()
    narrow_page.keyboard.press("ArrowDown")
    narrow_page.keyboard.press("ArrowDown")
    assert group.get_by_role("radio", name="2", exact=True).is_checked()
    ring = narrow_page.evaluate(
        """() => getComputedStyle(document.activeElement.closest('label.point')).outlineStyle"""
    )
    assert ring == "solid"
