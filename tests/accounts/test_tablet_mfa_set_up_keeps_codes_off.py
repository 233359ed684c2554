"""MFA set up on the clinic's shared tablet (the clinic requires it, and the therapist signs
in again from the tablet's thank-you page before they have set it up): the set-up used to
end on allauth's recovery codes page with the codes on screen and "Download codes", a file
left in the tablet's downloads for whoever holds it next. The codes open the account
without the authenticator app. On the shared tablet they are neither shown, downloaded nor
made anew; the page says where to see them (the therapist's own device), and still leads
back to the client."""

from __future__ import annotations

import re
import time
from html import unescape

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from tests.accounts._helpers import page_text
from tests.checkins._helpers import SIGN_IN_AGAIN, TABLET_RETURN, tablet_answered
from tests.conftest import CANARY, PASSWORD

ACTIVATE = "/accounts/2fa/totp/activate/"
RECOVERY_CODES = "/accounts/2fa/recovery-codes/"
DOWNLOAD = "/accounts/2fa/recovery-codes/download/"
GENERATE = "/accounts/2fa/recovery-codes/generate/"
NOT_HERE = (
    "This is the clinic's shared tablet, so your recovery codes are not shown here: whoever "
    "holds it next could find them. On a computer or phone of your own, sign in and open "
    "Security, then Recovery codes, and keep them where only you can reach them."
)


def _code(secret: str) -> str:
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:  # a code read at the end of its period fails
        time.sleep(period - time.time() % period + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def _set_up(http) -> str:
    """allauth asks for the password again, then a code from the app; the page it ends on."""
    asked = http.get(ACTIVATE)
    assert asked.status_code == 302 and asked["Location"].startswith("/accounts/reauthenticate/")
    assert http.post(asked["Location"], {"password": PASSWORD})["Location"] == ACTIVATE
    assert http.get(ACTIVATE).status_code == 200
    activated = http.post(ACTIVATE, {"code": _code(http.session[SECRET_SESSION_KEY])})
    assert activated.status_code == 302 and activated["Location"] == RECOVERY_CODES
    page = http.get(RECOVERY_CODES)
    assert page.status_code == 200
    return page.content.decode()


def _codes(user) -> list[str]:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    codes = authenticator.wrap().get_unused_codes()
    assert codes
    return codes


def _continue_link(page: str) -> str | None:
    match = re.search(r'<a class="button" href="([^"]+)">Continue</a>', page)
    return unescape(match.group(1)) if match else None


@pytest.fixture
def on_the_tablet(login, therapist_a, client_a, clinic):
    """Tablet mode for client A; the clinic turns on its MFA rule while the client answers;
    the therapist signs in again from the thank-you page, and is sent to set MFA up."""
    http = login(therapist_a)
    thanks = tablet_answered(http, client_a)[1]
    [link] = re.findall(r'<a href="([^"]+)">' + re.escape(SIGN_IN_AGAIN) + "</a>", thanks)
    clinic.require_mfa = True
    clinic.save()
    signed_in = http.post(
        unescape(link), {"login": therapist_a.email, "password": PASSWORD, "next": TABLET_RETURN}
    )
    assert signed_in["Location"] == TABLET_RETURN
    assert http.get(TABLET_RETURN)["Location"] == ACTIVATE
    return http


@pytest.mark.django_db
def test_the_set_up_on_the_tablet_shows_no_code_and_still_leads_back_to_the_client(
    on_the_tablet, therapist_a, client_a
):
    http = on_the_tablet
    page = _set_up(http)
    for code in _codes(therapist_a):
        assert code not in page
    assert "Unused codes" not in page
    assert "Download codes" not in page and DOWNLOAD not in page
    assert "Generate new codes" not in page and GENERATE not in page
    assert NOT_HERE in page_text(page)
    assert "Continue to the page you were going to." in page
    assert "Once you have saved your recovery codes" not in page
    assert _continue_link(page) == TABLET_RETURN
    back = http.get(TABLET_RETURN)
    assert back.status_code == 302 and back["Location"] == f"/clients/{client_a.pk}/"
    assert CANARY in http.get(back["Location"]).content.decode()


@pytest.mark.django_db
def test_on_the_tablet_the_codes_are_not_downloaded_nor_made_anew(on_the_tablet, therapist_a):
    http = on_the_tablet
    _set_up(http)
    codes = _codes(therapist_a)
    download = http.get(DOWNLOAD)
    assert download.status_code == 302 and download["Location"] == RECOVERY_CODES
    assert "attachment" not in download.get("Content-Disposition", "")
    assert http.get(GENERATE)["Location"] == RECOVERY_CODES
    assert http.post(GENERATE, {})["Location"] == RECOVERY_CODES
    assert _codes(therapist_a) == codes  # the same codes, still to be seen elsewhere
    # Back with the client and later in the same session: still the shared tablet.
    http.get(TABLET_RETURN)
    later = http.get(RECOVERY_CODES).content.decode()
    assert NOT_HERE in page_text(later) and codes[0] not in later
    assert http.get(DOWNLOAD)["Location"] == RECOVERY_CODES


@pytest.mark.django_db
def test_on_the_therapists_own_device_the_codes_are_shown_and_downloaded(
    client, therapist_a, clinic
):
    clinic.require_mfa = True
    clinic.save()
    client.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    assert client.get("/caseload/")["Location"] == ACTIVATE
    page = _set_up(client)
    codes = _codes(therapist_a)
    assert codes[0] in page and "Unused codes" in page and "Download codes" in page
    assert NOT_HERE not in page_text(page)
    download = client.get(DOWNLOAD)
    assert download.status_code == 200 and codes[0] in download.content.decode()
