"""allauth's two-factor pages in the app's layout, in a real browser: the second step of
signing in, "confirm access" with a code, the recovery codes (view, generate) and turning
the authenticator app off. The code field is found by its label (allauth's had none, only
a "Code" placeholder), a wrong code or a refusal puts the focus on the error summary, and
axe-core finds no violation on any of them, before and after an error."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from tests.browser._helpers import send_sign_in
from tests.browser.test_account_pages_axe import axe_violations, summary_has_focus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CODE = "6-digit code from your authenticator app, or a recovery code"


def _heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_the_code_pages_are_labelled_summarise_errors_and_pass_axe(
    page, live_server, therapist_a, monkeypatch
):
    TOTP.activate(therapist_a, generate_totp_secret())
    codes = RecoveryCodes.activate(therapist_a).get_unused_codes()
    found: list[str] = []

    page.goto(f"{live_server.url}/")
    send_sign_in(page, therapist_a)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/$"))
    assert _heading(page) == "Two-factor authentication"
    assert page.get_by_label(CODE).get_attribute("placeholder") is None
    found += axe_violations(page)
    page.get_by_label(CODE).fill("000000")
    page.get_by_role("button", name="Sign in", exact=True).click()
    summary_has_focus(
        page,
        f"{CODE}: That code did not work. Enter the code your authenticator app shows now, "
        "or a recovery code you have not used yet.",
    )
    found += axe_violations(page)
    page.get_by_label(CODE).fill(codes[0])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server.url}/caseload/")

    page.goto(f"{live_server.url}/accounts/2fa/reauthenticate/?next=/accounts/2fa/recovery-codes/")
    assert _heading(page) == "Confirm access"
    assert page.get_by_role("link", name="Back to Security").is_visible()
    found += axe_violations(page)
    page.get_by_label(CODE).fill("000000")
    page.get_by_role("button", name="Confirm").click()
    summary_has_focus(
        page,
        f"{CODE}: That code did not work. Enter the code your authenticator app shows now, "
        "or a recovery code you have not used yet.",
    )
    found += axe_violations(page)
    page.get_by_label(CODE).fill(codes[1])
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    assert _heading(page) == "Recovery codes"
    assert codes[2] in page.get_by_label("Unused codes").input_value()
    found += axe_violations(page)

    page.get_by_role("link", name="Generate new codes").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/generate/$"))
    found += axe_violations(page)
    monkeypatch.setattr(
        "allauth.mfa.recovery_codes.forms.flows.can_generate_recovery_codes", lambda user: False
    )
    page.get_by_role("button", name="Generate new codes").click()
    summary_has_focus(page)
    found += axe_violations(page)

    page.goto(f"{live_server.url}/accounts/2fa/totp/deactivate/")
    assert _heading(page) == "Turn off the authenticator app"
    found += axe_violations(page)
    monkeypatch.setattr(
        "rapport.accounts.mfa_adapter.ClinicMFAAdapter.can_delete_authenticator",
        lambda self, authenticator: False,
    )
    page.get_by_role("button", name="Turn off two-factor authentication").click()
    summary_has_focus(page)
    found += axe_violations(page)
    assert found == []
