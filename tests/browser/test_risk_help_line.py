"""The line of help under a risk item (PHQ-9 item 9, CORE-10 item 6) on a 320 px phone.

It is read before Send by someone who may be answering "nearly every day", so it is set
apart calmly and readably (body-size dark text on a pale ground with a brand-coloured
edge, not a grey footnote and not an alarm in red), its tap-to-call numbers are targets
at least 44 px tall (WCAG 2.5.5), and a long crisis text wraps within the card instead
of making the page scroll sideways (WCAG 1.4.10).
"""

from __future__ import annotations

import os

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, question
from tests.browser.conftest import serious_accessibility_violations
from tests.checkins._helpers import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Made-up contacts, long enough to wrap at 320 px: two numbers, one international.
CRISIS_TEXT = (
    "Duty line of the Example Wellbeing and Crisis Support Service (made up): 0100 000 000\n"
    "Out of hours (example): +44 100 000 0000"
)


def _style(locator) -> dict:
    return locator.evaluate(
        """e => {
            const s = getComputedStyle(e);
            const body = parseFloat(getComputedStyle(document.body).fontSize);
            return {fontSize: parseFloat(s.fontSize), body, color: s.color,
                    background: s.backgroundColor, edge: s.borderLeftColor,
                    edgeWidth: parseFloat(s.borderLeftWidth)};
        }"""
    )


def _rgb(value: str) -> tuple[int, ...]:
    """ "rgb(1, 2, 3)" as (1, 2, 3); a colour with any transparency (a background that is
    not set is "rgba(0, 0, 0, 0)") as None."""
    parts = [float(part) for part in value[value.index("(") + 1 : -1].split(",")]
    if len(parts) == 4 and parts[3] < 1:
        return None
    return tuple(int(part) for part in parts[:3])


def test_the_risk_help_line_is_calm_readable_and_tappable_at_320_px(
    narrow_page, live_server, client_a, clinic
):
    clinic.crisis_text = CRISIS_TEXT
    clinic.save()
    _, token = make_link(client_a, "phq9")
    narrow_page.goto(f"{live_server.url}/c/{token}/")
    item9 = question(narrow_page, 9, 10)
    line = item9.locator(".risk-help")
    assert "If you are having these thoughts now" in line.inner_text()
    shots = os.environ.get("RAPPORT_SCREENSHOTS")  # a folder, to look at the line
    if shots:
        item9.screenshot(path=os.path.join(shots, "risk-help-320.png"))

    style = _style(line)
    # Readable: the body's size, not a footnote's.
    assert style["fontSize"] >= style["body"]
    # Calm: dark ink (not muted grey, not the danger red), on a pale ground, with an edge.
    assert _rgb(style["color"]) == (31, 35, 40)  # --ink
    assert _rgb(style["background"]) not in (None, (255, 255, 255))  # apart from the card
    assert _rgb(style["edge"]) == (11, 92, 107)  # --brand, not --danger
    assert style["edgeWidth"] >= 3

    links = line.locator("a[href^='tel:']")
    assert links.count() == 2
    for n in range(links.count()):
        box = links.nth(n).bounding_box()
        assert box["height"] >= 44, f"tap-to-call link {n} is {box['height']} px tall"
        assert box["width"] >= 44

    # The line (and its links) stay within the question's card; nothing scrolls sideways.
    card = item9.bounding_box()
    for box in [line.bounding_box()] + [links.nth(n).bounding_box() for n in range(2)]:
        assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"]
    assert_no_sideways_scroll(narrow_page)
    assert serious_accessibility_violations(narrow_page) == []  # the links' contrast too


def test_without_crisis_contacts_the_line_still_fits_at_320_px(narrow_page, live_server, client_a):
    _, token = make_link(client_a, "core10")
    narrow_page.goto(f"{live_server.url}/c/{token}/")
    line = narrow_page.locator(".risk-help")
    assert line.count() == 1
    assert "call your local emergency number" in line.inner_text()
    assert _style(line)["fontSize"] >= _style(line)["body"]
    assert_no_sideways_scroll(narrow_page)
