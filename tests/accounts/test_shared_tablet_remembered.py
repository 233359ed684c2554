"""The clinic's shared tablet is remembered by the browser, not only by the session: the
mark that keeps recovery codes off the tablet (no codes on screen, no download, no new
codes) was kept in the session only, so after a sign-out, 30 idle minutes or a browser
restart the next sign-in on the same tablet was offered the codes again. Tablet mode now
also leaves a signed, long-lived cookie that outlives the session."""

from __future__ import annotations

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.test import Client
from tests.accounts._helpers import page_text
from tests.checkins._helpers import tablet_started
from tests.conftest import PASSWORD

from rapport.accounts.middleware import SHARED_DEVICE, SHARED_DEVICE_COOKIE

RECOVERY_CODES = "/accounts/2fa/recovery-codes/"
DOWNLOAD = "/accounts/2fa/recovery-codes/download/"
GENERATE = "/accounts/2fa/recovery-codes/generate/"
NOT_HERE = "This is the clinic's shared tablet, so your recovery codes are not shown here"
SECRET = "JBSWY3DPEHPK3PXP"


def _code() -> str:
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:  # a code read at the end of its period fails
        time.sleep(period - time.time() % period + 0.05)
    return format_hotp_value(hotp_value(SECRET, int(time.time()) // period))


@pytest.fixture
def codes(therapist_a) -> list[str]:
    TOTP.activate(therapist_a, SECRET)
    RecoveryCodes.activate(therapist_a)
    authenticator = Authenticator.objects.get(
        user=therapist_a, type=Authenticator.Type.RECOVERY_CODES
    )
    return authenticator.wrap().get_unused_codes()


def _sign_in(http, user) -> None:
    """Password, then a code from the authenticator app, as on the sign-in page."""
    asked = http.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert asked.status_code == 302 and asked["Location"] == "/accounts/2fa/authenticate/"
    passed = http.post("/accounts/2fa/authenticate/", {"code": _code()})
    assert passed.status_code == 302
    assert http.session.get("_auth_user_id") == str(user.pk)


def _codes_page(http):
    """The recovery codes page; allauth asks for the password again first."""
    page = http.get(RECOVERY_CODES)
    if page.status_code == 302 and page["Location"].startswith("/accounts/reauthenticate/"):
        assert http.post(page["Location"], {"password": PASSWORD})["Location"] == RECOVERY_CODES
        page = http.get(RECOVERY_CODES)
    return page


def _assert_codes_withheld(http, user, codes: list[str]) -> None:
    page = _codes_page(http)
    assert page.status_code == 200
    html = page.content.decode()
    assert NOT_HERE in page_text(html)
    for code in codes:
        assert code not in html
    assert "Download codes" not in html and DOWNLOAD not in html
    download = http.get(DOWNLOAD)
    assert download.status_code == 302 and download["Location"] == RECOVERY_CODES
    assert http.post(GENERATE, {})["Location"] == RECOVERY_CODES
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    assert authenticator.wrap().get_unused_codes() == codes


def _tablet_mode_then_signed_out(login, therapist_a, client_a):
    """Tablet mode for client A (which signs the therapist out), then the tablet's session
    ends: whatever the session knew is gone, only the browser's cookies are left."""
    http = login(therapist_a)
    tablet_started(http, client_a)
    cookie = http.cookies[SHARED_DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert bool(cookie["secure"]) == settings.SESSION_COOKIE_SECURE
    assert cookie.value != "1"  # signed, not a bare flag
    del http.cookies[settings.SESSION_COOKIE_NAME]  # idle expiry, or a browser restart
    return http


@pytest.mark.django_db
def test_after_a_sign_out_the_next_sign_in_on_the_tablet_sees_no_code(
    login, therapist_a, client_a, codes
):
    http = login(therapist_a)
    tablet_started(http, client_a)
    # The therapist signs in again, back to the client, then signs out as usual.
    http.force_login(therapist_a)
    assert http.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in http.session and SHARED_DEVICE not in http.session
    _sign_in(http, therapist_a)
    assert SHARED_DEVICE not in http.session  # the browser said so, not the session
    _assert_codes_withheld(http, therapist_a, codes)


@pytest.mark.django_db
def test_after_the_session_expired_the_next_sign_in_on_the_tablet_sees_no_code(
    login, therapist_a, client_a, codes
):
    http = _tablet_mode_then_signed_out(login, therapist_a, client_a)
    _sign_in(http, therapist_a)
    _assert_codes_withheld(http, therapist_a, codes)


@pytest.mark.django_db
def test_a_device_that_never_was_in_tablet_mode_sees_the_codes(login, therapist_a, client_a, codes):
    _tablet_mode_then_signed_out(login, therapist_a, client_a)
    own_device = Client()
    _sign_in(own_device, therapist_a)
    assert SHARED_DEVICE_COOKIE not in own_device.cookies
    page = _codes_page(own_device).content.decode()
    assert codes[0] in page and "Download codes" in page and NOT_HERE not in page_text(page)
    assert own_device.get(DOWNLOAD).status_code == 200


@pytest.mark.django_db
def test_an_unsigned_cookie_does_not_mark_the_device(therapist_a, codes):
    """Only the app's signature counts (a forged value is ignored, not an error)."""
    http = Client()
    http.cookies[SHARED_DEVICE_COOKIE] = "1"
    _sign_in(http, therapist_a)
    page = _codes_page(http).content.decode()
    assert codes[0] in page and NOT_HERE not in page_text(page)
