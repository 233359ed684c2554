"""Checks shared by the browser tests."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from tests.checkins._helpers import make_link
from tests.conftest import PASSWORD

__all__ = [
    "assert_no_sideways_scroll",
    "checkin_on_a_phone",
    "fill_phq9",
    "question",
    "send_sign_in",
    "sign_in",
]

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


@contextlib.contextmanager
def checkin_on_a_phone(browser, live_server, client, width: int) -> Iterator:
    """A new session check-in link of ``client``, opened on a phone ``width`` px wide (740
    tall, touch): the page, closed on leaving."""
    context = browser.new_context(
        viewport={"width": width, "height": 740}, is_mobile=True, has_touch=True
    )
    try:
        page = context.new_page()
        _, token = make_link(client, "session-checkin")
        page.goto(f"{live_server.url}/c/{token}/")
        yield page
    finally:
        context.close()


def sign_in(page, live_server, user, *, lands_on: str = "/caseload/") -> None:
    """Sign ``user`` in through the sign-in page as a person does (the home page sends a
    visitor there), and wait until the page their role lands on has opened: the caseload,
    or ``/manage/users/`` for a clinic admin."""
    page.goto(f"{live_server.url}/")
    send_sign_in(page, user)
    page.wait_for_url(f"{live_server.url}{lands_on}")


def send_sign_in(page, user) -> None:
    """Fill in the sign-in page that is open (wherever its ``next`` leads) as ``user`` and
    send it; the caller waits for the page it expects."""
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def question(page, number: int, total: int):
    """Question ``number`` of a questionnaire of ``total`` on a client's page (its group)."""
    return page.get_by_role("group", name=re.compile(rf"^Question {number} of {total}\b"))


def send_session_checkin(page, *, pushed: str = "No") -> None:
    """Answer the session check-in (8, 7, 9 and 8 of 10; ``pushed`` to "did you feel pushed
    or overridden?") and send it: the thank-you page."""
    for number, value in enumerate(["8", "7", "9", "8"], start=1):
        question(page, number, 6).get_by_label(value, exact=True).check()
    question(page, 5, 6).get_by_label(pushed, exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you"


def fill_phq9(page, *, item9: str = "Nearly every day", skip: int | None = None) -> None:
    """Answer the PHQ-9's nine items "Not at all" but item 9 (thoughts of self-harm, the
    risk item), which gets ``item9``; leave item ``skip`` unanswered."""
    for number in range(1, 10):
        if number == skip:
            continue
        answer = item9 if number == 9 else "Not at all"
        question(page, number, 10).get_by_label(answer, exact=True).check()
