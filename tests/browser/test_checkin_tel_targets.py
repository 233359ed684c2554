"""Every tap-to-call number on the client's pages is a touch target of at least 44 x 44 CSS
px on a 360 px phone (WCAG 2.5.5), and stays in the line of text it belongs to.

The clinic's crisis numbers are tapped by someone who may be struggling, on a small phone:
in the questionnaire's footer ("If you need help now:") and on the pages after Send they
were plain inline links about 20 px tall (only the line under the risk item itself had been
made a 44 px target).
"""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, fill_phq9
from tests.checkins._helpers import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Made-up contacts: a sentence around a number, and an international one on its own line.
CRISIS_TEXT = (
    "Duty line of the Example Crisis Support Service (made up): 0100 000 000 any time\n"
    "Out of hours (example): +44 100 000 0000"
)

_TEL_LINKS = """() => [...document.querySelectorAll("a[href^='tel:']")].map(a => {
    const box = a.getBoundingClientRect();
    const text = a.parentElement.getBoundingClientRect();
    return {
        where: (a.closest('[class]:not(a)') || a.parentElement).className,
        number: a.textContent,
        width: box.width, height: box.height,
        display: getComputedStyle(a).display,
        inside: box.left >= text.left - 0.5 && box.right <= text.right + 0.5,
    };
})"""


def tel_links(page) -> list[dict]:
    links = page.evaluate(_TEL_LINKS)
    assert links, "the page shows the clinic's crisis numbers"
    return links


def assert_tel_targets(page) -> None:
    for link in tel_links(page):
        assert link["height"] >= 44 and link["width"] >= 44, (
            f"{link['number']} in .{link['where']} is {link['width']:.0f} x {link['height']:.0f} px"
        )
        # In the line of text, not a block of its own, and inside its paragraph.
        assert link["display"].startswith("inline"), link
        assert link["inside"], link
    assert_no_sideways_scroll(page)


@pytest.fixture
def crisis_contacts(clinic):
    clinic.crisis_text = CRISIS_TEXT
    clinic.save()
    return clinic


def test_the_questionnaires_crisis_numbers_are_44_px_targets(
    phone_360, live_server, client_a, crisis_contacts
):
    _, token = make_link(client_a, "phq9")
    phone_360.goto(f"{live_server.url}/c/{token}/")
    # Under item 9 and in the footer: two numbers each.
    assert len(tel_links(phone_360)) == 4
    assert phone_360.locator(".help-now a[href^='tel:']").count() == 2
    assert_tel_targets(phone_360)


def test_the_pages_after_send_have_44_px_crisis_numbers(
    phone_360, live_server, client_a, crisis_contacts
):
    _, token = make_link(client_a, "phq9")
    url = f"{live_server.url}/c/{token}/"
    phone_360.goto(url)
    fill_phq9(phone_360, item9="Several days")
    phone_360.get_by_role("button", name="Send my answers").click()
    phone_360.get_by_role("heading", name="If you are struggling right now").wait_for()
    assert_tel_targets(phone_360)  # the thank-you page with the crisis section
    phone_360.goto(url)  # the link again: "Your answers were already sent"
    phone_360.get_by_role("heading", name="If you need help now").wait_for()
    assert_tel_targets(phone_360)


def test_the_not_sent_page_has_44_px_crisis_numbers(
    phone_360, live_server, client_a, crisis_contacts
):
    """A second tab's risk answer on a link already used: "These answers were not sent"."""
    _, token = make_link(client_a, "phq9")
    url = f"{live_server.url}/c/{token}/"
    second = phone_360.context.new_page()
    second.goto(url)
    phone_360.goto(url)
    fill_phq9(phone_360, item9="Not at all")
    phone_360.get_by_role("button", name="Send my answers").click()
    phone_360.get_by_role("heading", level=1, name="Thank you").wait_for()
    fill_phq9(second, item9="Several days")
    second.get_by_role("button", name="Send my answers").click()
    second.get_by_role("heading", name="If you are struggling right now").wait_for()
    assert "These answers were not sent" in second.content()
    assert_tel_targets(second)
