"""Tablet mode: when the client presses Back or Reload after sending, the "already sent" page
is what the therapist gets the tablet back on. It carries the same discreet "Therapist: sign
in again" as the thank-you page (one include, checkins/includes/staff_return.html), leading
through the sign-in back to the client the therapist was with. A phone link's "already sent"
page never has it: there is no therapist to hand the device back to."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from tests.checkins._helpers import (
    CHECKIN_ANSWERS,
    SIGN_IN_AGAIN,
    appointment_of,
    open_and_answer,
    staff_links,
    tablet_answered,
)
from tests.checkins._helpers import TABLET_RETURN as RETURN
from tests.conftest import CANARY, PASSWORD

from rapport.checkins.services import checkin_create

pytestmark = pytest.mark.usefixtures("clear_cache")  # the login throttle's counts live in the cache

ALREADY_SENT = "Your answers were already sent. Thank you."


@pytest.mark.django_db
def test_the_tablet_already_sent_page_has_the_same_sign_in_again_link(login, therapist_a, client_a):
    http = login(therapist_a)
    location, thanks = tablet_answered(http, client_a)
    back = http.get(location)  # the client presses Back (or Reload)
    page = back.content.decode()
    assert back.status_code == 410
    assert ALREADY_SENT in page
    assert "Please hand the device back to your therapist." in page
    # Exactly one link, the thank-you page's own markup and address: naming nobody.
    assert (
        staff_links(page)
        == staff_links(thanks)
        == [f"/accounts/login/?next={quote(RETURN, safe='')}"]
    )
    assert CANARY not in page and "/clients/" not in page


@pytest.mark.django_db
def test_from_the_already_sent_page_signing_in_leads_back_to_the_client(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    location, _ = tablet_answered(http, client_a)
    http.get(location)  # Reload: the session still remembers the client
    [link] = staff_links(http.get(location).content.decode())
    signed_in = http.post(link, {"login": therapist_a.email, "password": PASSWORD, "next": RETURN})
    assert signed_in.status_code == 302 and signed_in["Location"] == RETURN
    back = http.get(RETURN)
    assert back["Location"] == f"/clients/{client_a.pk}/"
    assert CANARY in http.get(back["Location"]).content.decode()


@pytest.mark.django_db
def test_a_phone_links_already_sent_page_has_no_staff_link(client, client_a):
    _, token = checkin_create(
        actor=None, appointment=appointment_of(client_a), instrument_id="session-checkin"
    )
    thanks = open_and_answer(client, token, CHECKIN_ANSWERS).content.decode()
    assert SIGN_IN_AGAIN not in thanks
    again = client.get(f"/c/{token}/")
    page = again.content.decode()
    assert again.status_code == 410 and ALREADY_SENT in page
    assert "You can close this page now." in page
    assert SIGN_IN_AGAIN not in page
    assert "/accounts/login" not in page and RETURN not in page and "staff-return" not in page
