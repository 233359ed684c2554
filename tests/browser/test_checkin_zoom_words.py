"""Words stay whole on the client's page at 200% zoom on a small phone, and the staff pages'
skip link is a full-size target.

A client-side review found the scale anchors split mid-word ("Par|tly", "Not at | all") at
200% zoom on a 360 px phone (180 CSS px): the page wrapped with ``overflow-wrap: anywhere``,
which breaks any word anywhere, not only one that cannot fit. ``break-word`` keeps words
whole unless a single word is wider than its line; the page must still not scroll sideways
(an anchor too wide for the room beside its number takes its own line under it). The same
review measured the "Skip to content" link, on focus, at 40 px tall (WCAG 2.5.5
wants 44)."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, checkin_on_a_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each scale anchor's text as shown in its point's row (the list layout at this width):
# the number of lines it takes, and its height against its line height.
_ANCHOR_LINES = """() => [...document.querySelectorAll('.point-anchor')]
    .filter(e => e.offsetParent !== null)
    .map(e => {
        const text = e.textContent.trim();
        const lineHeight = parseFloat(getComputedStyle(e).lineHeight);
        const rects = [...e.getClientRects()].filter(r => r.width > 0);
        return {text, lines: rects.length, height: e.getBoundingClientRect().height, lineHeight};
    })"""


# Every word (hyphens are line-break points) of the page's text split over two lines
# though it fits its block's width whole ("Par|tly"): found word by word with a Range over the text.
_SPLIT_WORDS = """() => {
    const page = document.querySelector('.checkin');
    const walker = document.createTreeWalker(page, NodeFilter.SHOW_TEXT);
    const split = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const holder = node.parentElement;
        if (holder.offsetParent === null && getComputedStyle(holder).position !== 'fixed') continue;
        const block = holder.closest('p, li, label, legend, span, div, h1, h2, a, button');
        const room = block.clientWidth;
        for (const match of node.data.matchAll(/[^\\s-]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const rects = [...range.getClientRects()].filter(r => r.width > 0);
            const whole = rects.reduce((sum, r) => sum + r.width, 0);
            if (rects.length > 1 && new Set(rects.map(r => Math.round(r.top))).size > 1
                && whole <= room) split.push(match[0]);
        }
    }
    return split;
}"""


def test_at_200_percent_zoom_on_a_360_px_phone_no_anchor_word_is_split(
    browser, live_server, client_a
):
    with checkin_on_a_phone(browser, live_server, client_a, 180) as page:
        anchors = page.evaluate(_ANCHOR_LINES)
        texts = {anchor["text"] for anchor in anchors}
        assert {"Partly", "Not at all"} <= texts, texts
        single_words = [a for a in anchors if " " not in a["text"]]
        assert single_words, "one-word anchors are shown"
        split = [
            a["text"]
            for a in single_words
            if a["lines"] != 1 or a["height"] >= 1.5 * a["lineHeight"]
        ]
        assert split == [], f"one-word anchors broken over lines: {split}"
        # "Not at all" fits its row at this width: on one line, not "Not at | all".
        not_at_all = [a for a in anchors if a["text"] == "Not at all"]
        assert all(a["lines"] == 1 for a in not_at_all), not_at_all
        assert page.evaluate(_SPLIT_WORDS) == []
        assert_no_sideways_scroll(page)
        assert page.evaluate(
            "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
        )


def test_the_skip_link_is_at_least_44_px_tall_when_focused(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0, "on screen when focused"
    assert box["height"] >= 44, box
    assert box["width"] >= 44, box
