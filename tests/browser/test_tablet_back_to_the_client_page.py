"""Back on the clinic's tablet, after the hand-over from the client's page: the sign-in page,
with no client record's address in it (it was ``/accounts/login/?next=/clients/<id>/``)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from tests.browser._helpers import send_session_checkin, send_sign_in
from tests.browser.test_tablet_sign_in_again import hand_the_tablet_over
from tests.conftest import CANARY

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def assert_a_sign_in_naming_nobody(page, client) -> None:
    assert re.search(r"/accounts/login/", page.url)
    address = unquote(page.url)
    assert "/clients/" not in address and f"/{client.pk}/" not in address, address
    assert "/clients/" not in page.content() and CANARY not in page.content()
    assert page.get_by_label("Email").is_visible()


def test_back_after_handing_the_tablet_over_shows_no_client_address(
    browser, live_server, therapist_a, client_a
):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    try:
        page = context.new_page()
        hand_the_tablet_over(page, live_server, therapist_a, client_a)
        questions = page.url
        # The client presses Back on the questions: the client's page, signed out.
        page.go_back()
        assert_a_sign_in_naming_nobody(page, client_a)

        page.go_forward()
        page.wait_for_url(questions)
        send_session_checkin(page)

        # Back from the thank-you page: "already sent", then the sign-in page, then the
        # caseload's entry (signed out too): none of them names a client.
        page.go_back()
        assert "Your answers were already sent. Thank you." in page.content()
        page.go_back()
        assert_a_sign_in_naming_nobody(page, client_a)
        page.go_back()
        assert_a_sign_in_naming_nobody(page, client_a)

        # The therapist signs in there and is back with the client.
        send_sign_in(page, therapist_a)
        page.wait_for_url(f"{live_server.url}/clients/{client_a.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == client_a.display_name
    finally:
        context.close()
