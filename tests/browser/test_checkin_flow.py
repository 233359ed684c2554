"""A client answers on a phone; the therapist sees the scores; the link is refused on reuse."""

from __future__ import annotations

import re

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, fill_phq9, question, sign_in
from tests.browser.conftest import serious_accessibility_violations
from tests.checkins._helpers import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHQ9_ANSWERS = [
    "Several days",
    "More than half the days",
    "Several days",
    "Nearly every day",
    "Not at all",
    "Several days",
    "Not at all",
    "Not at all",
    "Not at all",
]  # total 1+2+1+3+0+1 = 8: "Mild"
COMMENT = "A bit more time for my own questions, please"


def small_targets(page, selector: str) -> list:
    boxes = [
        page.locator(selector).nth(i).bounding_box() for i in range(page.locator(selector).count())
    ]
    return [b for b in boxes if b["height"] < 44 or b["width"] < 44]


def test_a_client_completes_phq9_and_the_checkin_on_a_phone_and_the_therapist_sees_it(
    phone_page, page, live_server, therapist_a, client_a
):
    _, phq9_token = make_link(client_a, "phq9")
    _, checkin_token = make_link(client_a, "session-checkin")
    phone = phone_page

    # PHQ-9 on a 390 px phone, with no JavaScript needed and nothing wider than the screen.
    phone.goto(f"{live_server.url}/c/{phq9_token}/")
    assert phone.get_by_role("heading", level=1).inner_text() == "How you’ve been feeling"
    assert_no_sideways_scroll(phone)
    assert small_targets(phone, "label.choice") == []
    assert serious_accessibility_violations(phone) == []
    for number, answer in enumerate(PHQ9_ANSWERS, start=1):
        if number == 4:
            continue  # left out on purpose: the page must point it out
        question(phone, number, 10).get_by_label(answer, exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()
    problems = phone.get_by_role("alert")
    assert "One question is not answered yet." in problems.inner_text()
    assert "Please answer this question." in question(phone, 4, 10).inner_text()
    assert_no_sideways_scroll(phone)
    assert serious_accessibility_violations(phone) == []
    question(phone, 4, 10).get_by_label(PHQ9_ANSWERS[3], exact=True).check()
    phone.get_by_role("button", name="Send my answers").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Thank you"
    assert "If you are struggling right now" not in phone.content()

    # The after-session check-in: 0-10 scales as radio groups, "prefer not to answer".
    phone.goto(f"{live_server.url}/c/{checkin_token}/")
    assert_no_sideways_scroll(phone)
    assert small_targets(phone, "label.point") == []
    assert serious_accessibility_violations(phone) == []
    for number, value in enumerate(["8", "7", "9", "8"], start=1):
        question(phone, number, 6).get_by_label(value, exact=True).check()
    question(phone, 5, 6).get_by_label("A little", exact=True).check()
    phone.get_by_label(re.compile("What could we do differently")).fill(COMMENT)
    phone.get_by_role("button", name="Send my answers").click()
    assert phone.get_by_role("heading", level=1).inner_text() == "Thank you"

    # The therapist signs in and finds the new scores, the comment and the "pushed" answer.
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    phq9_table = page.locator("table.scores").first
    assert "8" in phq9_table.inner_text() and "Mild" in phq9_table.inner_text()
    assert "32" in page.locator("table.scores").nth(1).inner_text()
    assert COMMENT in page.content()
    assert "A little" in page.locator("ul.pushed").inner_text()
    assert page.get_by_role("img", name=re.compile("PHQ-9 total over 1 session,")).is_visible()

    # Opening a used link again is refused with the calm page.
    reply = phone.goto(f"{live_server.url}/c/{phq9_token}/")
    assert reply.status == 410
    assert (
        phone.get_by_role("heading", level=1).inner_text()
        == "Your answers were already sent. Thank you."
    )
    assert client_a.display_name not in phone.content()


def test_an_item_9_answer_shows_the_crisis_text_and_the_unavailable_page_is_accessible(
    phone_page, live_server, client_a
):
    _, token = make_link(client_a, "phq9")
    phone_page.goto(f"{live_server.url}/c/{token}/")
    fill_phq9(phone_page, item9="Several days")
    phone_page.get_by_role("button", name="Send my answers").click()
    crisis = phone_page.get_by_role("heading", name="If you are struggling right now")
    crisis.wait_for(state="visible")  # the thank-you page may still be loading
    assert crisis.is_visible()
    assert serious_accessibility_violations(phone_page) == []
    reply = phone_page.goto(f"{live_server.url}/c/{'A' * 43}/")
    assert reply.status == 404
    assert phone_page.get_by_role("heading", level=1).inner_text() == "This link cannot be used"
    assert_no_sideways_scroll(phone_page)
    assert serious_accessibility_violations(phone_page) == []
