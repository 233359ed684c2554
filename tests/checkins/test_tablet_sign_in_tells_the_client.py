"""On the tablet, "I'd rather not answer now — hand the device back" (and the thank-you
page's "Therapist: sign in again") lead to the staff sign-in page. A client review found it
said nothing to the client holding the device: they were left on a page for staff. It now
says, above the form, to give the device back; an ordinary sign-in page does not."""

from __future__ import annotations

import re
from html import unescape

import pytest
from tests.checkins._helpers import TABLET_RETURN, tablet_started
from tests.checkins.test_client_page_wording import _exit_link
from tests.conftest import PASSWORD

GIVE_BACK = "Please give the device back to your therapist."

pytestmark = pytest.mark.usefixtures("clear_cache")  # the login throttle's counts live in the cache


def _text(html: str) -> str:
    html = re.sub(r"<!--.*?-->|<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.mark.django_db
def test_the_hand_back_link_lands_on_a_sign_in_page_that_tells_the_client(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    link = _exit_link(http.get(tablet_started(http, client_a)).content.decode())
    page = http.get(link).content.decode()
    assert page.count(GIVE_BACK) == 1
    # One line, above the form the therapist fills in.
    assert page.index(GIVE_BACK) < page.index("<form")
    assert _text(page).index(GIVE_BACK) < _text(page).index("Staff accounts are created")
    # Still said after a failed attempt (the way back is kept in the form's next field).
    failed = http.post(
        "/accounts/login/",
        {"login": therapist_a.email, "password": "not-" + PASSWORD, "next": TABLET_RETURN},
    )
    assert failed.status_code == 200
    assert GIVE_BACK in failed.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/accounts/login/", "/accounts/login/?next=/caseload/"])
def test_an_ordinary_sign_in_page_does_not(client, address):
    page = client.get(address).content.decode()
    assert "Sign in" in page
    assert "give the device back" not in page
