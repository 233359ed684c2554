"""Back after handing the tablet over through *Hand the tablet over?* is an ordinary page.

Review finding: the confirmation page was the response to the *Tablet* button's POST, so
Back from the client's questions (or from the thank-you page) reached a page Chromium
could only show by sending the form again: "Confirm Form Resubmission" (net::ERR_CACHE_MISS)
on the device the client holds. The POST now leads (POST/redirect/GET) to an address of its
own that names nobody, kept for the therapist's session; once the tablet has signed the
therapist out, Back there is the sign-in page, with nothing of the client on it.
"""

from __future__ import annotations

import re

import pytest
from tests.browser._helpers import send_session_checkin, send_sign_in, sign_in
from tests.checkins._helpers import make_link
from tests.conftest import CANARY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESUBMISSION = ("ERR_CACHE_MISS", "Confirm Form Resubmission", "resubmission")


def assert_an_ordinary_page(page, response, status: int = 200) -> None:
    """What Back showed was loaded from the server as a plain GET (with the page's own
    status: "already sent" is a 410), not Chromium's error page asking to send a form
    again (``Page.go_back`` itself fails with net::ERR_CACHE_MISS there)."""
    assert response is not None, "Back loaded nothing (Chromium's resubmission page)"
    assert response.request.method == "GET"
    assert response.status == status
    content = page.content()
    assert not any(word in content for word in RESUBMISSION), content[:500]
    assert page.get_by_role("heading", level=1).count() == 1


def test_back_after_the_confirmed_hand_over_shows_the_sign_in_page_naming_nobody(
    browser, live_server, therapist_a, client_a
):
    # A link was already sent for last week's session: Tablet asks first.
    make_link(client_a, "session-checkin", actor=therapist_a, timing="after")
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, live_server, therapist_a)
        page.goto(f"{live_server.url}/clients/{client_a.pk}/")
        page.get_by_role("button", name=re.compile(r"^Tablet for .* after ")).first.click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Hand the tablet over?"
        # The page the therapist confirms on is a GET page of its own, naming nobody.
        assert "/checkins/new/" not in page.url and not re.search(r"/\d+/", page.url)
        assert "will stop working" in page.locator("main").inner_text()
        # Reloading it re-sends nothing and still shows the same question.
        reloaded = page.reload()
        assert reloaded is not None and reloaded.request.method == "GET"
        assert page.get_by_role("heading", level=1).inner_text() == "Hand the tablet over?"

        page.get_by_role(
            "button", name="Hand the tablet over (the sent link stops working)"
        ).click()
        page.wait_for_url(re.compile(r"/c/[^/]+/$"))
        questions = page.url
        assert page.get_by_role("button", name="Send my answers").is_visible()

        # The client presses Back: an ordinary page, the sign-in page, naming nobody.
        back = page.go_back()
        assert_an_ordinary_page(page, back)
        assert re.search(r"/accounts/login/", page.url)
        assert page.get_by_label("Email").is_visible()
        assert CANARY not in page.content() and "/clients/" not in page.content()
        assert "Hand the tablet over" not in page.content()

        # Forward again: the questions, answered and sent as usual.
        page.go_forward()
        page.wait_for_url(questions)
        send_session_checkin(page)

        # Back twice from the thank-you page (the questions' address, then the hand-over's):
        # "already sent", then the sign-in page: ordinary pages, naming nobody.
        back = page.go_back()
        assert_an_ordinary_page(page, back, status=410)
        assert "Your answers were already sent. Thank you." in page.content()
        back = page.go_back()
        assert_an_ordinary_page(page, back)
        assert re.search(r"/accounts/login/", page.url)
        assert CANARY not in page.content() and "/clients/" not in page.content()

        # The therapist signs in there and is back with the client (not the old question).
        send_sign_in(page, therapist_a)
        page.wait_for_url(f"{live_server.url}/clients/{client_a.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == client_a.display_name
    finally:
        context.close()
