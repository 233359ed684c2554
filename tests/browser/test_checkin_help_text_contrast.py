"""The grey text on the client's pages (question numbers, hints, anchors, the count, the
"rather not say" choice, the attribution, the tablet's "Therapist: sign in again") has AAA
contrast (7:1, WCAG 1.4.6), not only AA (4.5:1): clients read these pages on a phone in
daylight or on the clinic's tablet, some with poor sight, and the hint is what says how to
answer. axe-core's ``color-contrast-enhanced`` rule checks it, on every background the text
sits on (the page, a question's card, a chosen answer, the error summary)."""

from __future__ import annotations

import pytest
from tests.browser._helpers import question
from tests.checkins._helpers import CHECKIN_ANSWERS, make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AAA = {
    "runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]},
    "resultTypes": ["violations"],
}


def aaa_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=AAA)
    return [
        f"{node['target']}: {message['message']}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
        for message in node["any"]
    ]


@pytest.mark.parametrize(
    "instrument", ["phq9", "session-checkin", "cnip", "goals", "gad7", "core10"]
)
def test_questionnaire_grey_text_has_aaa_contrast_before_and_after_an_error(
    phone_page, live_server, client_a, instrument
):
    page = phone_page
    _, token = make_link(client_a, instrument, mode="tablet")
    page.goto(f"{live_server.url}/c/{token}/")
    found = aaa_violations(page)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("alert").wait_for()
    found += aaa_violations(page)
    assert found == []


def test_a_chosen_rather_not_say_answer_has_aaa_contrast(phone_page, live_server, client_a):
    page = phone_page
    _, token = make_link(client_a, "session-checkin")
    page.goto(f"{live_server.url}/c/{token}/")
    declines = page.locator("label.choice.decline")
    assert declines.count() >= 1
    declines.first.click()
    assert aaa_violations(page) == []


def test_the_pages_after_answering_have_aaa_contrast(phone_page, live_server, client_a):
    page = phone_page
    _, token = make_link(client_a, "session-checkin", mode="tablet")
    url = f"{live_server.url}/c/{token}/"
    page.goto(url)
    for number, name in enumerate(["goals", "approach", "relationship", "overall"], start=1):
        question(page, number, 6).get_by_label(CHECKIN_ANSWERS[name], exact=True).check()
    question(page, 5, 6).get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", level=1, name="Thank you").wait_for()
    found = aaa_violations(page)  # thank-you, with "Therapist: sign in again"
    page.goto(url)
    assert "already sent" in page.content()
    found += aaa_violations(page)
    page.goto(f"{live_server.url}/c/{'x' * 43}/")
    found += aaa_violations(page)  # "cannot be used"
    assert found == []
