"""Tablet mode when the clinic requires MFA and the therapist has not set it up yet: signing
in again from the tablet goes through the set-up (the rule allows nothing else), and used
to end on allauth's recovery codes page with the client forgotten. The page that ends the
set-up now offers "Continue" to the same opaque way back, which opens the client's page
if, and only if, the account may see that client."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from tests.checkins._helpers import SIGN_IN_AGAIN, tablet_answered
from tests.checkins._helpers import TABLET_RETURN as RETURN
from tests.conftest import CANARY, PASSWORD

# The login throttle's counts and allauth's used-code markers live in the cache.
pytestmark = pytest.mark.usefixtures("clear_cache")

ACTIVATE = "/accounts/2fa/totp/activate/"
RECOVERY_CODES = "/accounts/2fa/recovery-codes/"


def _code(secret: str) -> str:
    """The authenticator app's code now, taken early in its period (allauth accepts the
    current period's code only)."""
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(period - time.time() % period + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def _continue_link(page: str) -> str | None:
    match = re.search(r'<a class="button" href="([^"]+)">Continue</a>', page)
    return unescape(match.group(1)) if match else None


def _signed_in_again_and_set_up(http, client_a, clinic, user) -> str:
    """Tablet mode for client A, the clinic turns on its MFA rule, ``user`` signs in again
    from the thank-you page and sets up TOTP as the rule demands; the page set-up ends on."""
    thanks = tablet_answered(http, client_a)[1]
    [link] = re.findall(r'<a href="([^"]+)">' + re.escape(SIGN_IN_AGAIN) + "</a>", thanks)
    clinic.require_mfa = True
    clinic.save()
    signed_in = http.post(
        unescape(link), {"login": user.email, "password": PASSWORD, "next": RETURN}
    )
    assert signed_in["Location"] == RETURN
    sent = http.get(RETURN)
    assert sent.status_code == 302 and sent["Location"] == ACTIVATE  # the rule, first
    # allauth asks for the password again before a security change.
    asked = http.get(ACTIVATE)
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    again = http.post(asked["Location"], {"password": PASSWORD})
    assert again.status_code == 302 and again["Location"] == ACTIVATE
    assert http.get(ACTIVATE).status_code == 200
    activated = http.post(ACTIVATE, {"code": _code(http.session[SECRET_SESSION_KEY])})
    assert activated.status_code == 302 and activated["Location"] == RECOVERY_CODES
    codes = http.get(RECOVERY_CODES)
    assert codes.status_code == 200
    return codes.content.decode()


@pytest.mark.django_db
def test_after_setting_up_mfa_the_therapist_continues_to_the_client(
    login, therapist_a, client_a, clinic
):
    http = login(therapist_a)
    page = _signed_in_again_and_set_up(http, client_a, clinic, therapist_a)
    # On the shared tablet the recovery codes are neither shown nor offered for download
    # (a8c6663: they are seen on the therapist's own device); the way on names nobody.
    assert "Unused codes" not in page
    assert "your recovery codes are not shown here" in page
    assert "Continue to the page you were going to." in page
    assert _continue_link(page) == RETURN
    assert CANARY not in page and "/clients/" not in page
    back = http.get(RETURN)
    assert back.status_code == 302 and back["Location"] == f"/clients/{client_a.pk}/"
    assert CANARY in http.get(back["Location"]).content.decode()
    # Taken once: the set-up page no longer offers it.
    assert _continue_link(http.get(RECOVERY_CODES).content.decode()) is None


@pytest.mark.django_db
def test_a_colleague_who_sets_up_mfa_there_continues_to_the_page_saying_they_cannot_see_them(
    login, therapist_a, therapist_b, client_a, clinic
):
    http = login(therapist_a)
    page = _signed_in_again_and_set_up(http, client_a, clinic, therapist_b)
    assert _continue_link(page) == RETURN
    refused = http.get(RETURN)
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "This account cannot see the client who was using this tablet" in text
    assert CANARY not in text and "/clients/" not in text
