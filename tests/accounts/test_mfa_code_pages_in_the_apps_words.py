"""allauth's remaining two-factor pages in the app's layout and words: the second step of
signing in, "confirm access" with a code, turning the authenticator app off, and the
recovery codes (view, generate, download). allauth's said "Please enter an authenticator
code:" over a field with no visible label, only a "Code" placeholder that vanishes on
typing; a wrong code came back with no error summary to take the focus; and the pages
offered no way back to Security.

Their forms, checks and flows are allauth's: only the labels (settings.MFA_FORMS,
rapport.accounts.mfa_forms) and the templates are the app's."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse
from tests.accounts._helpers import (
    field_errors,
    heading,
    invalid,
    label,
    main_html,
    main_text,
    page_html,
    summary_links,
)
from tests.accounts.test_mfa_set_up_continues import ACTIVATE, _set_up_totp, _signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CODE_LABEL = "6-digit code from your authenticator app, or a recovery code *"
SECURITY_LINK = '<a href="/accounts/2fa/">Back to Security</a>'
#: A wrong code where a recovery code is taken too (allauth's said "Incorrect code.").
WRONG_CODE = (
    "That code did not work. Enter the code your authenticator app shows now, or a "
    "recovery code you have not used yet."
)
ALLAUTH_WORDS = ("Please enter", "authenticator code:", "Deactivate", "Are you sure?")


def _no_placeholder(response) -> None:
    assert "placeholder" not in main_html(response)


def _app_form(response, action: str) -> None:
    """The app's form layout (clinic/form.html, includes/form_fields.html), not allauth's."""
    assert re.search(
        rf'<form method="post" action="{re.escape(action)}" class="stack"', main_html(response)
    )


def _unused_codes(user) -> list[str]:
    return Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()


@pytest.fixture
def with_app(client, therapist_a):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    return http


def _at_second_step(http, user):
    http.post(reverse("account_logout"))
    sent = http.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert sent["Location"] == reverse("mfa_authenticate")
    return http


def test_the_second_step_of_signing_in_labels_the_code_and_summarises_a_wrong_one(
    with_app, therapist_a
):
    http = _at_second_step(with_app, therapist_a)
    url = reverse("mfa_authenticate")
    page = http.get(url)
    assert heading(page) == "Two-factor authentication"
    assert label(page, "id_code") == CODE_LABEL
    _no_placeholder(page)
    _app_form(page, url)
    text = main_text(page)
    assert "signing in takes one more step" in text
    assert "No phone with the app and no recovery codes? Ask your clinic's administrator" in text
    assert [w for w in ALLAUTH_WORDS if w in text] == []
    # The way back ends the half-done sign-in (allauth's "logout-from-stage").
    assert (
        '<button type="submit" form="logout-from-stage" class="link">Back to sign in</button>'
        in (page_html(page))
    )

    wrong = http.post(url, {"code": "000000"})
    assert summary_links(wrong) == ["id_code"]
    assert field_errors(wrong, "code") == WRONG_CODE
    assert invalid(wrong, "code")
    assert "_auth_user_id" not in http.session

    # allauth's check is unchanged: a recovery code signs in, once.
    code = _unused_codes(therapist_a)[0]
    assert http.post(url, {"code": code}).status_code == 302
    assert http.session["_auth_user_id"] == str(therapist_a.pk)
    assert code not in _unused_codes(therapist_a)


def test_confirm_access_with_a_code_labels_it_and_offers_the_way_back(with_app):
    url = reverse("mfa_reauthenticate")
    page = with_app.get(url)
    assert heading(page) == "Confirm access"
    assert label(page, "id_code") == CODE_LABEL
    _no_placeholder(page)
    _app_form(page, url)
    assert SECURITY_LINK in main_html(page)

    wrong = with_app.post(url, {"code": "000000"})
    assert summary_links(wrong) == ["id_code"]
    assert field_errors(wrong, "code") == WRONG_CODE
    assert invalid(wrong, "code")


def test_the_set_up_code_has_a_label_and_no_placeholder(client, therapist_a):
    page = _signed_in(client, therapist_a).get(ACTIVATE)
    assert label(page, "id_code") == "Authenticator code *"
    assert "The 6-digit code the app shows now." in main_text(page)
    _no_placeholder(page)


def test_turning_the_app_off_says_what_goes_with_it_and_offers_the_way_back(with_app):
    url = reverse("mfa_deactivate_totp")
    page = with_app.get(url)
    assert heading(page) == "Turn off the authenticator app"
    _app_form(page, url)
    text = main_text(page)
    assert (
        "Signing in will then ask only for your password, and your recovery codes stop working."
        in text
    )
    assert [w for w in ALLAUTH_WORDS if w in text] == []
    assert SECURITY_LINK in main_html(page)
    assert "error-summary" not in main_html(page)


def test_a_refused_turn_off_is_summarised(with_app, therapist_a, monkeypatch):
    from rapport.accounts.mfa_adapter import ClinicMFAAdapter

    monkeypatch.setattr(ClinicMFAAdapter, "can_delete_authenticator", lambda self, a: False)
    url = reverse("mfa_deactivate_totp")
    page = with_app.post(url)
    assert page.status_code == 200
    assert '<div class="error-summary" role="alert">' in main_html(page)
    assert Authenticator.objects.filter(user=therapist_a, type="totp").exists()


def test_generating_codes_says_what_they_are_and_offers_the_way_back(with_app, monkeypatch):
    url = reverse("mfa_generate_recovery_codes")
    page = with_app.get(url)
    assert heading(page) == "Recovery codes"
    _app_form(page, url)
    text = main_text(page)
    assert (
        "Each recovery code signs you in once, in place of a code from your authenticator app"
        in text
    )
    assert "The codes you have now will stop working." in text
    assert SECURITY_LINK in main_html(page)

    # A refusal (allauth's check) is summarised, not dropped.
    monkeypatch.setattr(
        "allauth.mfa.recovery_codes.forms.flows.can_generate_recovery_codes", lambda user: False
    )
    refused = with_app.post(url)
    assert refused.status_code == 200
    assert '<div class="error-summary" role="alert">' in main_html(refused)


def test_the_codes_are_a_labelled_read_only_field_with_a_help_line(with_app, therapist_a):
    page = with_app.get(reverse("mfa_view_recovery_codes"))
    assert label(page, "recovery_codes") == "Unused codes"
    [area] = re.findall(r"<textarea [^>]*>", main_html(page))
    assert "readonly" in area and 'aria-describedby="recovery_codes_helptext"' in area
    help_line = re.search(
        r'<p class="help" id="recovery_codes_helptext">(.*?)</p>', main_html(page)
    )
    assert help_line and "Each code signs you in once" in help_line.group(1)
    for code in _unused_codes(therapist_a):
        assert code in area + main_html(page)
    assert '<a class="button" href="/accounts/2fa/recovery-codes/download/">Download codes</a>' in (
        main_html(page)
    )
    assert SECURITY_LINK in main_html(page)


def test_the_downloaded_file_says_what_the_codes_are(with_app, therapist_a):
    download = with_app.get(reverse("mfa_download_recovery_codes"))
    assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    lines = download.content.decode().splitlines()
    assert lines[0] == f"Rapport recovery codes for {therapist_a.email}."
    assert lines[1].startswith("Each code signs you in once")
    assert lines[2] == ""
    assert lines[3:] == _unused_codes(therapist_a)
