"""One name for each thing, in the app's sentence case: the navigation's "Security" opens a
page called Security (the password and two-factor authentication); the feature is
"two-factor authentication" on that page, on allauth's pages and in the admin's notice (not
"Two-Factor Authentication", "Second factor (MFA)"); and "Sign in" / "Sign out" as the
navigation says them (allauth's pages said "Sign In", "Sign Out", "Confirm Access")."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.accounts._helpers import heading, visible_text
from tests.accounts.test_mfa_set_up_continues import ACTIVATE, _set_up_totp, _signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OLD_NAMES = (
    "Two-Factor",
    "Second factor",
    "(MFA)",
    "Sign In",
    "Sign Out",
    "Confirm Access",
    "Authenticator App",
    "Recovery Codes",
)


def _no_old_names(text: str) -> None:
    assert [name for name in OLD_NAMES if name in text] == []


def test_the_sign_in_page_says_sign_in_alike(client):
    response = client.get(reverse("account_login"))
    assert '<button type="submit" class="primary">Sign in</button>' in response.content.decode()
    _no_old_names(visible_text(response))


def test_security_opens_a_page_called_security_with_password_and_two_factor(login, therapist_a):
    http = login(therapist_a)
    response = http.get(reverse("mfa_index"))
    text = visible_text(response)
    assert '<a href="/accounts/2fa/">Security</a>' in response.content.decode()
    assert heading(response) == "Security"
    assert "Password Change password" in text
    assert (
        "Two-factor authentication Authenticator app Two-factor authentication is off: no "
        "authenticator app is set up. Set up an authenticator app"
    ) in text
    _no_old_names(text)


def test_allauth_pages_use_the_same_names(client, therapist_a):
    http = _signed_in(client, therapist_a)
    logout = http.get(reverse("account_logout"))
    assert heading(logout) == "Sign out"
    _no_old_names(visible_text(logout))
    activate = http.get(ACTIVATE)
    assert heading(activate) == "Set up an authenticator app"
    _no_old_names(visible_text(activate))
    _set_up_totp(http)
    index = http.get(reverse("mfa_index"))
    assert "Two-factor authentication with an authenticator app is on. Turn off" in visible_text(
        index
    )
    deactivate = http.get(reverse("mfa_deactivate_totp"))
    assert heading(deactivate) == "Turn off the authenticator app"
    _no_old_names(visible_text(deactivate))
    http.post(reverse("account_logout"))
    http.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    second_step = http.get(reverse("mfa_authenticate"))
    assert heading(second_step) == "Two-factor authentication"
    _no_old_names(visible_text(second_step))


def test_the_reauthentication_page_says_confirm_access_in_sentence_case(login, therapist_a):
    response = login(therapist_a).get(reverse("account_reauthenticate"))
    assert heading(response) == "Confirm access"
    _no_old_names(visible_text(response))


def test_the_admin_is_told_two_factor_authentication_is_not_required(login, admin_user):
    text = visible_text(login(admin_user).get(reverse("manage_users")))
    assert "Two-factor authentication is not required for this clinic's staff." in text
    _no_old_names(text)
