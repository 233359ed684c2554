"""Tablet mode when the clinic turns on its MFA rule while the client holds the tablet: the
therapist signs in again from the thank-you page, sets up the authenticator app there, and
the set-up's last page shows no recovery code and offers no download on the shared tablet
(it says where to see them instead), then leads back to the client."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from tests.browser._helpers import (
    assert_no_sideways_scroll,
    send_session_checkin,
    send_sign_in,
    sign_in,
)
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret: str) -> str:
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 3:  # typed at the end of its period, a code fails
        time.sleep(period - time.time() % period + 0.05)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def test_the_set_up_on_the_tablet_keeps_the_codes_off_it_and_returns_to_the_client(
    browser, live_server, therapist_a, client_a, clinic
):
    context = browser.new_context(
        viewport={"width": 820, "height": 1180}, has_touch=True, accept_downloads=True
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15000)
        sign_in(page, live_server, therapist_a)
        page.goto(f"{live_server.url}/clients/{client_a.pk}/")
        page.get_by_role("button", name=re.compile(r"^Tablet for .* after ")).first.click()
        page.wait_for_url(re.compile(r"/c/[^/]+/$"))
        send_session_checkin(page)

        clinic.require_mfa = True
        clinic.save()

        page.get_by_role("link", name="Therapist: sign in again").click()
        page.wait_for_url(re.compile(r"/accounts/login/"))
        send_sign_in(page, therapist_a)
        # The rule first; allauth asks for the password again before the set-up.
        page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
        secret = page.locator("#authenticator_secret").input_value()
        page.locator("input[name=code]").fill(_code(secret))
        page.get_by_role("button", name="Turn on two-factor authentication").click()
        page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))

        # No code on screen, nothing to download or make anew; where to see them instead.
        assert page.locator("#recovery_codes").count() == 0
        assert page.get_by_role("link", name="Download codes").count() == 0
        assert page.get_by_role("button", name="Download codes").count() == 0
        assert page.get_by_text("Generate new codes").count() == 0
        note = page.locator("#codes-not-here")
        assert note.is_visible()
        assert "your recovery codes are not shown here" in note.inner_text()
        assert_no_sideways_scroll(page)
        assert serious_accessibility_violations(page) == []

        # Typing the download address on the tablet leads back to this page.
        page.goto(f"{live_server.url}/accounts/2fa/recovery-codes/download/")
        page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))

        # The way on: to the client the therapist was with.
        page.get_by_role("link", name="Continue").click()
        page.wait_for_url(f"{live_server.url}/clients/{client_a.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == client_a.display_name
    finally:
        context.close()
