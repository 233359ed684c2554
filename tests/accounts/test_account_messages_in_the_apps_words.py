"""allauth's messages that staff meet, in the app's words, through allauth's own views:
signing out, the recovery codes made at the authenticator app's set-up and generated
again, a wrong email or password at sign-in, and the other way to confirm access. allauth
said "You have signed out.", "A new set of recovery codes has been generated.", "The
email address and/or password you specified are not correct.", and offered "Use your
password" and "Use authenticator app or code" under "Alternative options".

The messages are allauth's message templates overridden under src/rapport/templates
(account/messages/, mfa/messages/) and the account adapter's error_messages; sign-in and
the password change messages (test_first_password_change.py) and the authenticator app's
on and off (test_mfa_pages_in_the_apps_words.py) are tested where they were reworded."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from tests.accounts._helpers import main_html, page_text
from tests.accounts.test_mfa_set_up_continues import RECOVERY_CODES, _set_up_totp, _signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

KEEP = "Keep them where only you can reach them."
ALLAUTH_WORDS = ("Alternative options", "Use your password", "Use authenticator app or code")


def _messages(response) -> list[str]:
    """The messages the page shows (base.html's list), as text."""
    match = re.search(r'<ul class="messages">(.*?)</ul>', main_html(response), flags=re.S)
    if not match:
        return []
    items = re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), flags=re.S)
    return [" ".join(unescape(item).split()) for item in items]


def test_signing_out_says_you_are_signed_out(login, therapist_a):
    http = login(therapist_a)
    page = http.post(reverse("account_logout"), follow=True)
    assert page.redirect_chain[-1][0] == reverse("account_login")
    assert _messages(page) == ["You are signed out."]
    assert "_auth_user_id" not in http.session


@pytest.mark.django_db(transaction=True)  # allauth adds it on commit
def test_the_first_recovery_codes_are_announced_with_where_to_keep_them(client, therapist_a):
    http = _signed_in(client, therapist_a)
    page = _set_up_totp(http)  # the recovery codes page the set-up ends on
    assert _messages(page) == [
        "Two-factor authentication with an authenticator app is on.",
        f"Your new recovery codes are ready. {KEEP}",
    ]
    assert "has been generated" not in page_text(page)


@pytest.mark.django_db(transaction=True)  # allauth adds it on commit
def test_new_codes_are_announced_on_the_page_that_shows_them(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    old = _unused_codes(therapist_a)
    page = http.post(reverse("mfa_generate_recovery_codes"), follow=True)
    assert page.redirect_chain[-1][0] == RECOVERY_CODES
    assert _messages(page) == [f"Your new recovery codes are ready. {KEEP}"]
    assert _unused_codes(therapist_a) != old


@pytest.mark.django_db(transaction=True)  # allauth adds it on commit
def test_codes_shown_once_are_announced_with_a_warning_to_save_them(client, therapist_a, settings):
    settings.MFA_RECOVERY_CODES_SHOW_ONCE = True
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    page = http.post(reverse("mfa_generate_recovery_codes"), follow=True)
    assert _messages(page) == [
        "Your new recovery codes are ready. Save them now, where only you can reach them: "
        "they will not be shown again."
    ]
    assert '<li class="warning">' in main_html(page)


def test_a_wrong_password_at_sign_in_says_so_plainly(client, therapist_a):
    page = client.post(
        reverse("account_login"), {"login": therapist_a.email, "password": "not-my-password"}
    )
    assert page.status_code == 200
    assert _summary(page) == "The email address or password is not correct."
    assert "and/or" not in page_text(page) and "you specified" not in page_text(page)
    # The same words for an address with no account: they tell nobody who has one.
    unknown = client.post(
        reverse("account_login"), {"login": "nobody@test.invalid", "password": PASSWORD}
    )
    assert _summary(unknown) == "The email address or password is not correct."


def test_confirm_access_offers_the_other_way_in_the_apps_words(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)  # the authenticator app on: a code is the other way to confirm
    next_url = reverse("mfa_generate_recovery_codes")
    by_password = http.get(f"{reverse('account_reauthenticate')}?next={next_url}")
    assert by_password.status_code == 200
    link = _other_way(by_password)
    assert link == (
        f"{reverse('mfa_reauthenticate')}?next={next_url}",
        "Confirm with a code from your authenticator app instead",
    )
    by_code = http.get(link[0])
    assert _other_way(by_code) == (
        f"{reverse('account_reauthenticate')}?next={next_url}",
        "Confirm with your password instead",
    )
    for page in (by_password, by_code):
        text = page_text(page)
        assert [w for w in ALLAUTH_WORDS if w in text] == []


def _summary(response) -> str:
    """The form's error summary (includes/form_fields.html), as text."""
    match = re.search(
        r'<div class="error-summary" role="alert">(.*?)</div>', main_html(response), flags=re.S
    )
    assert match, "no error summary"
    return page_text(match.group(1))


def _other_way(response) -> tuple[str, str]:
    """The one link under the form to confirm another way: its address and words."""
    [(href, words)] = re.findall(
        r'<p class="muted"><a href="([^"]+)">(.*?)</a></p>', main_html(response)
    )
    return unquote(unescape(href)), words


def _unused_codes(user) -> list[str]:
    return Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()


def test_recovery_codes_asked_for_without_an_app_say_to_set_one_up(client, therapist_a):
    """allauth's refusal said "You cannot generate recovery codes without having
    two-factor authentication enabled.": not what to do about it."""
    http = _signed_in(client, therapist_a)
    refused = http.post(reverse("mfa_generate_recovery_codes"))
    assert refused.status_code == 200
    # In the form's error summary, which takes the focus.
    summary = re.search(
        r'<div class="error-summary" role="alert">(.*?)</div>', main_html(refused), re.S
    )
    assert summary is not None
    assert " ".join(unescape(re.sub(r"<[^>]+>", " ", summary.group(1))).split()) == (
        "Recovery codes come with an authenticator app: set up the app first, on your "
        "Security page."
    )
    assert "You cannot generate recovery codes" not in page_text(refused)
    assert not Authenticator.objects.filter(user=therapist_a).exists()
