"""allauth's two-factor pages in the app's own words and sentence case, as the Security page
names things: "Recovery codes" (allauth said "Recovery Codes"), "Authenticator app" (allauth:
"Authenticator App"), and buttons that say what they do: "Turn on two-factor
authentication" (allauth: "Activate"), "Generate new codes" (allauth: "Generate"). The
forms still work: each carries its CSRF field and does what it did."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from tests.accounts._helpers import heading, page_html, visible_text
from tests.accounts.test_mfa_set_up_continues import ACTIVATE, _set_up_totp, _signed_in

pytestmark = pytest.mark.django_db

ALLAUTH_WORDS = (
    "Recovery Codes",
    "Authenticator App",
    "Activate",
    "out of",
    "recovery codes available",
    "activated",
    "invalidate",
)


def _title(response) -> str:
    match = re.search(r"<title>(.*?)</title>", page_html(response), flags=re.S)
    assert match
    return " ".join(match.group(1).split())


def _buttons(response) -> list[str]:
    found = re.findall(r"<button[^>]*>(.*?)</button>", page_html(response), flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", b).split()) for b in found]


def _form_with_csrf(response, action: str) -> None:
    form = re.search(
        rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>',
        page_html(response),
        flags=re.S,
    )
    assert form, action
    assert 'name="csrfmiddlewaretoken"' in form.group(1)


def _no_allauth_words(text: str) -> None:
    assert [words for words in ALLAUTH_WORDS if words in text] == []


# allauth says the app is set up once the transaction commits (transaction.on_commit).
@pytest.mark.django_db(transaction=True)
def test_setting_up_the_app_turns_on_two_factor_authentication(client, therapist_a):
    http = _signed_in(client, therapist_a)
    page = http.get(ACTIVATE)
    assert _title(page) == "Set up an authenticator app · Rapport"
    assert heading(page) == "Set up an authenticator app"
    assert "Turn on two-factor authentication" in _buttons(page)
    _form_with_csrf(page, ACTIVATE)
    _no_allauth_words(visible_text(page))

    codes_page = _set_up_totp(http)
    assert "Two-factor authentication with an authenticator app is on." in codes_page
    assert Authenticator.objects.filter(user=therapist_a, type="totp").exists()


def test_the_recovery_codes_pages_say_recovery_codes(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)

    codes = http.get(reverse("mfa_view_recovery_codes"))
    assert _title(codes) == "Recovery codes · Rapport"
    assert heading(codes) == "Recovery codes"
    text = visible_text(codes)
    assert "Recovery codes 10 of 10 recovery codes left. Unused codes" in text
    assert "Download codes Generate new codes" in text
    _no_allauth_words(text)

    generate_url = reverse("mfa_generate_recovery_codes")
    generate = http.get(generate_url)
    assert _title(generate) == "Recovery codes · Rapport"
    assert heading(generate) == "Recovery codes"
    assert "The codes you have now will stop working. Are you sure?" in visible_text(generate)
    assert _buttons(generate)[-1] == "Generate new codes"
    _form_with_csrf(generate, generate_url)
    _no_allauth_words(visible_text(generate))

    # The form still makes new codes.
    old = set(
        Authenticator.objects.get(user=therapist_a, type="recovery_codes").wrap().get_unused_codes()
    )
    assert http.post(generate_url).status_code == 302
    new = set(
        Authenticator.objects.get(user=therapist_a, type="recovery_codes").wrap().get_unused_codes()
    )
    assert new and not new & old


def test_turning_the_app_off_says_so_in_the_same_words(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    url = reverse("mfa_deactivate_totp")

    page = http.get(url)
    assert _title(page) == "Turn off the authenticator app · Rapport"
    assert heading(page) == "Turn off the authenticator app"
    assert _buttons(page)[-1] == "Turn off two-factor authentication"
    _form_with_csrf(page, url)
    _no_allauth_words(visible_text(page))

    done = http.post(url, follow=True)
    assert "Two-factor authentication is off: no authenticator app is set up." in visible_text(done)
    assert "deactivated" not in visible_text(done)
    assert not Authenticator.objects.filter(user=therapist_a, type="totp").exists()
