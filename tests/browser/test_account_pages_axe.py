"""allauth's account pages in the app's layout, in a real browser: password reset, its
"done" page, the page behind the emailed link, "confirm access", the authenticator app's
set-up and the password change. A bad submission puts the focus on the error summary (on
allauth's own templates it stayed on <body>, nothing read out), the QR code is described
in words, and axe-core finds no violation on any of them, before and after an error."""

from __future__ import annotations

import re

import pytest
from tests.browser._helpers import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY_FOCUSED = "() => document.activeElement.classList.contains('error-summary')"


def axe_violations(page) -> list[str]:
    """Every violation axe-core (bundled, no network) finds on the page, whatever its impact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{page.url}: {violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes)"
        for violation in results.response["violations"]
    ]


def summary_has_focus(page, *messages: str) -> None:
    page.wait_for_function(SUMMARY_FOCUSED)
    text = page.locator(".error-summary").inner_text()
    for message in messages:
        assert message in text


def test_password_reset_pages(page, live_server, therapist_a, settings, mailoutbox):
    settings.PASSWORD_RESET_BY_EMAIL = True
    found: list[str] = []
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Reset your password"
    found += axe_violations(page)

    page.get_by_label("Email").fill("not an address")
    page.get_by_role("button", name="Send the link").click()
    summary_has_focus(page, "Email: Enter a valid email address.")
    found += axe_violations(page)

    page.get_by_label("Email").fill(therapist_a.email)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(re.compile(r"/accounts/password/reset/done/$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    found += axe_violations(page)

    [link] = re.findall(r"https?://\S+", mailoutbox[0].body)
    page.goto(live_server.url + "/" + link.split("/", 3)[3])
    assert page.get_by_role("heading", level=1).inner_text() == "Choose a new password"
    found += axe_violations(page)
    page.locator("#id_password1").fill("abc")
    page.get_by_label("New password again").fill("abd")
    page.get_by_role("button", name="Change password").click()
    summary_has_focus(
        page,
        "New password: This password is too short.",
        "New password again: This is not the same as the new password above.",
    )
    found += axe_violations(page)
    page.locator("#id_password1").fill("a-new-one-of-my-own-42")
    page.get_by_label("New password again").fill("a-new-one-of-my-own-42")
    page.get_by_role("button", name="Change password").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Password changed"
    found += axe_violations(page)

    page.goto(f"{live_server.url}/accounts/password/reset/key/1-not-a-real-key/")
    assert page.get_by_role("heading", level=1).inner_text() == "This link no longer works"
    found += axe_violations(page)
    assert found == []


def test_confirm_access_authenticator_set_up_and_password_change(page, live_server, therapist_a):
    found: list[str] = []
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm access"
    found += axe_violations(page)
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_role("button", name="Confirm").click()
    summary_has_focus(
        page, "Your password: That is not your password. Type the password you sign in with."
    )
    found += axe_violations(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr.is_visible()
    secret = page.get_by_label("Setup key, if you cannot scan the code")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret.input_value())
    found += axe_violations(page)
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    summary_has_focus(
        page,
        "Authenticator code: That code did not work. Enter the code your authenticator app "
        "shows now: each one lasts about 30 seconds.",
    )
    found += axe_violations(page)

    page.goto(f"{live_server.url}/accounts/password/change/")
    page.get_by_label("Current password").fill("not-my-password")
    page.locator("#id_password1").fill("abc")
    page.get_by_label("New password again").fill("abd")
    page.get_by_role("button", name="Change password").click()
    summary_has_focus(
        page,
        "Current password: That is not your current password.",
        "New password again: This is not the same as the new password above.",
    )
    found += axe_violations(page)
    assert found == []
