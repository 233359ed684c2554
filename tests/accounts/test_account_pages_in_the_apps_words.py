"""allauth's remaining account pages in the app's words and form layout: password reset,
its "done" page, the page behind the emailed link, "confirm access" and the authenticator
app's set-up. allauth's said "Password Reset", "Email:", "Reset My Password", "contact us"
(an "us" a clinician cannot reach), "New Password (again)", "Please reauthenticate"; and a
bad submission came back with no error summary to take the focus.

Their forms and flows are allauth's: only the labels (settings.ACCOUNT_FORMS) and the
templates are the app's."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.urls import reverse
from tests.accounts._helpers import (
    field_errors,
    heading,
    invalid,
    label,
    main_text,
    page_html,
    summary_links,
    visible_text,
)
from tests.accounts.test_mfa_set_up_continues import ACTIVATE, _signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ALLAUTH_WORDS = (
    "Password Reset",
    "Reset My Password",
    "contact us",
    "Change Password",
    "New Password",
    "reauthenticate",
    "Email:",
    "Password:",
    "code:",
    "Bad Token",
)


def _no_allauth_words(response) -> None:
    text = main_text(response)
    assert [words for words in ALLAUTH_WORDS if words in text] == []


@pytest.fixture
def reset_by_mail(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True


def test_the_reset_page_asks_in_the_apps_words_and_summarises_an_error(client, reset_by_mail):
    url = reverse("account_reset_password")
    page = client.get(url)
    assert heading(page) == "Reset your password"
    assert label(page, "id_email") == "Email *"
    assert "Send the link" in visible_text(page)
    assert '<a href="/accounts/login/">Back to sign in</a>' in page_html(page)
    assert "placeholder" not in page_html(page).split("<main", 1)[1]
    _no_allauth_words(page)

    bad = client.post(url, {"email": "not an address"})
    assert summary_links(bad) == ["id_email"]
    assert field_errors(bad, "email") == "Enter a valid email address."
    assert invalid(bad, "email")


def test_the_done_page_says_the_same_to_everyone_and_whom_to_ask(client, reset_by_mail):
    page = client.get(reverse("account_reset_password_done"))
    assert heading(page) == "Check your email"
    text = main_text(page)
    assert "If the address you typed has an account here, we have emailed it a link" in text
    assert "ask your clinic's administrator" in text
    _no_allauth_words(page)


def _reset_form(client, therapist_a, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": therapist_a.email})
    [link] = re.findall(r"https?://\S+", mailoutbox[0].body)
    page = client.get("/" + link.split("/", 3)[3], follow=True)
    return page.redirect_chain[-1][0], page


def test_the_emailed_link_opens_a_form_like_the_password_change(
    client, therapist_a, reset_by_mail, mailoutbox
):
    url, page = _reset_form(client, therapist_a, mailoutbox)
    assert heading(page) == "Choose a new password"
    assert label(page, "id_password1") == "New password *"
    assert label(page, "id_password2") == "New password again *"
    assert "at least 12 characters" in visible_text(page)
    _no_allauth_words(page)

    # A short password typed two ways: both problems at once, each on its field.
    bad = client.post(url, {"password1": "abc", "password2": "abd"})
    assert summary_links(bad) == ["id_password1", "id_password2"]
    assert "too short" in field_errors(bad, "password1")
    assert field_errors(bad, "password2") == (
        "This is not the same as the new password above. Type the same password twice."
    )
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(PASSWORD)

    done = client.post(
        url,
        {"password1": "a-new-one-of-my-own-42", "password2": "a-new-one-of-my-own-42"},
        follow=True,
    )
    assert heading(done) == "Password changed"
    _no_allauth_words(done)
    therapist_a.refresh_from_db()
    assert therapist_a.check_password("a-new-one-of-my-own-42")


def test_a_link_that_no_longer_works_says_so_and_offers_a_new_one(client, reset_by_mail):
    page = client.get("/accounts/password/reset/key/1-not-a-real-key/", follow=True)
    assert heading(page) == "This link no longer works"
    assert '<a href="/accounts/password/reset/">Ask for a new link</a>' in page_html(page)
    _no_allauth_words(page)


def test_confirm_access_asks_for_the_password_and_summarises_a_wrong_one(login, therapist_a):
    http = login(therapist_a)
    url = reverse("account_reauthenticate")
    page = http.get(url)
    assert heading(page) == "Confirm access"
    assert label(page, "id_password") == "Your password *"
    _no_allauth_words(page)

    wrong = http.post(url, {"password": "not-my-password"})
    assert summary_links(wrong) == ["id_password"]
    # allauth's said "Incorrect password.", and not what to type.
    assert field_errors(wrong, "password") == (
        "That is not your password. Type the password you sign in with."
    )
    assert invalid(wrong, "password")


def test_the_qr_code_is_described_and_the_secret_is_text_under_a_label(client, therapist_a):
    http = _signed_in(client, therapist_a)
    page = http.get(ACTIVATE)
    secret = http.session[SECRET_SESSION_KEY]
    [img] = re.findall(r"<img [^>]*>", page_html(page).split("<main", 1)[1])
    assert 'alt="QR code for your authenticator app"' in img
    assert secret not in img
    assert label(page, "authenticator_secret") == "Setup key, if you cannot scan the code"
    [field] = re.findall(r'<input [^>]*id="authenticator_secret"[^>]*>', page_html(page))
    assert f'value="{secret}"' in field and "readonly" in field and "disabled" not in field
    _no_allauth_words(page)

    wrong = http.post(ACTIVATE, {"code": "000000"})
    assert summary_links(wrong) == ["id_code"]
    # Setting up asks for the app's code only (allauth's said "Incorrect code.").
    assert field_errors(wrong, "code") == (
        "That code did not work. Enter the code your authenticator app shows now: each one "
        "lasts about 30 seconds."
    )
    assert invalid(wrong, "code")


def test_a_wrong_current_password_and_two_different_new_ones_are_each_said(login, therapist_a):
    # allauth said "Please type your current password." to someone who had typed one, and
    # said nothing of the two new passwords differing while the first was too short.
    http = login(therapist_a)
    url = reverse("account_change_password")
    page = http.post(
        url, {"oldpassword": "not-my-password", "password1": "abc", "password2": "abd"}
    )
    assert summary_links(page) == ["id_oldpassword", "id_password1", "id_password2"]
    assert field_errors(page, "oldpassword") == "That is not your current password."
    assert "too short" in field_errors(page, "password1")
    assert field_errors(page, "password2") == (
        "This is not the same as the new password above. Type the same password twice."
    )
    # Two good but different new passwords: one message, on the second field.
    page = http.post(
        url,
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-one-of-my-own-42",
            "password2": "a-new-one-of-my-own-43",
        },
    )
    assert summary_links(page) == ["id_password2"]
    assert field_errors(page, "password2") == (
        "This is not the same as the new password above. Type the same password twice."
    )
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(PASSWORD)
