"""Tablet mode: when the tablet link stops working while the client holds the device (it
expired, or was revoked or replaced from another device), the "cannot be used" page is what
the therapist gets the tablet back on. Tablet mode signed them out, and the page links to no
staff page, so it used to leave them stranded. It now carries the thank-you page's discreet
"Therapist: sign in again" (same markup, same address naming nobody), leading through the
sign-in back to the client. A phone link's page, or that of a token matching no check-in,
never has it."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from tests.checkins._helpers import (
    PHQ9_ZERO,
    SIGN_IN_AGAIN,
    form_key,
    make_link,
    staff_links,
    tablet_answered,
    tablet_started,
)
from tests.checkins._helpers import TABLET_RETURN as RETURN
from tests.conftest import CANARY, PASSWORD

from rapport.checkins.models import CheckIn
from rapport.checkins.services import checkin_revoke

pytestmark = pytest.mark.usefixtures("clear_cache")  # the login throttle's counts live in the cache

CANNOT = "This link cannot be used"
LINK = f"/accounts/login/?next={quote(RETURN, safe='')}"


def _names_nobody(page: str, client) -> None:
    assert CANARY not in page and client.therapist.email not in page
    assert "/clients/" not in page


def _checkin_at(location: str) -> CheckIn:
    """The one check-in the tablet address belongs to (there is one in these tests)."""
    assert location.startswith("/c/")
    return CheckIn.objects.get()


@pytest.mark.django_db
def test_a_tablet_link_that_expired_while_held_offers_the_sign_in_again_link(
    login, therapist_a, client_a, monkeypatch
):
    tablet = login(therapist_a)  # the tablet's browser: tablet mode signs the therapist out
    location = tablet_started(tablet, client_a)
    later = _checkin_at(location).expires_at + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = tablet.get(location)
    page = response.content.decode()
    assert response.status_code == 410
    assert CANNOT in page
    assert "If your therapist handed you this device, please give it back to them." in page
    # Exactly one link, the thank-you page's own markup and address, naming nobody.
    assert staff_links(page) == [LINK]
    _names_nobody(page, client_a)


@pytest.mark.django_db
def test_from_a_revoked_tablet_links_page_signing_in_leads_back_to_the_client(
    login, therapist_a, client_a
):
    tablet = login(therapist_a)
    location = tablet_started(tablet, client_a)
    # Revoked from the therapist's other device while the client holds the tablet.
    checkin_revoke(actor=therapist_a, checkin=_checkin_at(location))
    page = tablet.get(location).content.decode()
    assert CANNOT in page
    [link] = staff_links(page)
    signed_in = tablet.post(
        link, {"login": therapist_a.email, "password": PASSWORD, "next": RETURN}
    )
    assert signed_in.status_code == 302 and signed_in["Location"] == RETURN
    back = tablet.get(RETURN)
    assert back.status_code == 302 and back["Location"] == f"/clients/{client_a.pk}/"
    assert CANARY in tablet.get(back["Location"]).content.decode()


@pytest.mark.django_db
def test_a_refused_tablet_form_with_a_risk_answer_keeps_the_crisis_section_and_the_link(
    login, therapist_a, client_a
):
    tablet = login(therapist_a)
    location = tablet_started(tablet, client_a, "phq9")
    key = form_key(tablet.get(location).content.decode())
    checkin_revoke(actor=therapist_a, checkin=_checkin_at(location))
    refused = tablet.post(location, {**PHQ9_ZERO, "phq9_9": "3", "form_key": key})
    page = refused.content.decode()
    assert refused.status_code == 410 and CANNOT in page
    assert (
        "Your therapist will be told that your answers could not be sent, but will not see them."
        in page
    )
    assert "Please tell your therapist how you are feeling when you hand the device back." in page
    assert staff_links(page) == [LINK]
    _names_nobody(page, client_a)


@pytest.mark.django_db
def test_a_refused_tablet_form_without_a_risk_answer_has_the_link_too(login, therapist_a, client_a):
    tablet = login(therapist_a)
    location = tablet_started(tablet, client_a, "phq9")
    key = form_key(tablet.get(location).content.decode())
    checkin_revoke(actor=therapist_a, checkin=_checkin_at(location))
    page = tablet.post(location, {**PHQ9_ZERO, "form_key": key}).content.decode()
    assert CANNOT in page and 'class="crisis"' not in page
    assert staff_links(page) == [LINK]
    _names_nobody(page, client_a)


@pytest.mark.django_db
def test_a_phone_links_cannot_be_used_page_has_no_staff_link(client, therapist_a, client_a):
    checkin, token = make_link(client_a, "session-checkin")
    checkin_revoke(actor=therapist_a, checkin=checkin)
    page = client.get(f"/c/{token}/").content.decode()
    assert CANNOT in page
    assert SIGN_IN_AGAIN not in page and "staff-return" not in page
    assert "/accounts/login" not in page and RETURN not in page


@pytest.mark.django_db
def test_an_unknown_token_on_the_tablet_gets_no_staff_link(login, therapist_a, client_a):
    # The page of a token matching no check-in says nothing about any link, or any mode.
    tablet = login(therapist_a)
    tablet_answered(tablet, client_a)
    page = tablet.get(f"/c/{'A' * 43}/").content.decode()
    assert CANNOT in page
    assert SIGN_IN_AGAIN not in page and "/accounts/login" not in page
