"""Checks shared by the browser tests."""

from __future__ import annotations

__all__ = ["assert_no_sideways_scroll"]

# Where the extra width comes from: the innermost elements whose box, or whose content where
# it is not clipped (a long word spills out of its box without widening it), reaches past the
# right edge. Inside a table scroll box (.table-wrap) that is the point; the box itself is
# named if it does not fit.
_STICKING_OUT = """width => {
    const reach = e => {
        const box = e.getBoundingClientRect();
        const spills = getComputedStyle(e).overflowX === 'visible';
        return Math.max(box.right, spills ? box.left + e.scrollWidth : 0);
    };
    const out = [...document.body.querySelectorAll('*')]
        .filter(e => !e.parentElement.closest('.table-wrap') && reach(e) > width + 0.5);
    return out.filter(e => !out.some(other => other !== e && e.contains(other)))
        .slice(0, 5)
        .map(e => e.tagName.toLowerCase() + [...e.classList].map(c => '.' + c).join('')
            + ` (to ${Math.round(reach(e))} px)`);
}"""


def assert_no_sideways_scroll(page) -> None:
    """Fail if the page is wider than the screen the test set for it.

    Compares the page's width with the viewport width the context was configured with
    (``page.viewport_size``), never with ``window.innerWidth``: on a phone (``is_mobile``
    with a viewport meta) Chromium zooms out to fit a page that is too wide, and
    ``innerWidth`` grows with the page, so a 390 px phone reported 1,560 and a page up to
    about four times too wide passed. WCAG 1.4.10 (reflow): no sideways scrolling at
    320 CSS px."""
    screen = page.viewport_size["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > screen:
        culprits = page.evaluate(_STICKING_OUT, screen)
        raise AssertionError(
            f"the page is {width} CSS px wide on a {screen} px screen, so it scrolls "
            f"sideways; sticking out: {', '.join(culprits) or 'nothing found in the body'}"
        )
