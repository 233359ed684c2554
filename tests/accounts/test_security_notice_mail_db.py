"""A staff member hears in their mailbox when their account's password or second factors
change: by themselves (allauth's notification mails, settings.ACCOUNT_EMAIL_NOTIFICATIONS,
in the app's words) or by someone else (an admin's "Set a temporary password" or "Turn off
two-factor authentication", ``rapport set-password``: the ``AccessNotice`` kinds
PASSWORD_SET and MFA_RESET, mailed by ``accounts.services._notify`` once committed). Before,
a change by someone else was told only on the caseload after signing in, and one's own
changes not at all: an account taken over went unnoticed by its owner. Staff names, a time
and an address; never a client. A mail server that fails does not undo the change."""

from __future__ import annotations

import re
import smtplib

import pytest
from allauth.account.adapter import get_adapter
from allauth.core.context import request_context
from django.core.mail.backends.base import BaseEmailBackend
from django.test import RequestFactory
from tests.conftest import CANARY, PASSWORD

from rapport.accounts.models import AccessNotice, AccessNoticeKind
from rapport.accounts.services import supervision_link_create, user_create
from rapport.cli import main

pytestmark = pytest.mark.django_db

BASE = "https://rapport.example.org"
TEMPORARY = "a-temporary-passphrase-9"
NEW_OWN = "my-own-new-passphrase-42"
ASK_LEAD = (
    "If you did not expect this, ask your clinic's lead or another administrator straight "
    "away, not only the person named above."
)
ASK_OPERATOR = (
    "If you did not expect this, ask whoever runs Rapport for your clinic straight away: it "
    "was done at the command line."
)
NOT_YOU = (
    "If this was you, there is nothing more to do. If it was not you, ask your clinic's "
    "administrator straight away: someone else may be able to sign in as you."
)


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("gone")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.BASE_URL = BASE


def _text(mail) -> str:
    """The mail's subject and body on one line each, whitespace collapsed."""
    return re.sub(r"\s+", " ", f"{mail.subject}\n{mail.body}")


def _links(mail) -> list[str]:
    return re.findall(r"https?://\S+", mail.body)


def _tells_no_client(mail, *clients) -> None:
    text = _text(mail)
    assert CANARY not in text
    for client in clients:
        assert client.display_name not in text
        assert client.email not in text


# -- one's own change (allauth's mail, in the app's words) --------------------------------


def test_changing_ones_own_password_mails_the_owner(client, therapist_a, client_a, mailoutbox):
    client.force_login(therapist_a)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_OWN, "password2": NEW_OWN},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == [therapist_a.email]
    assert mail.subject == "[rapport.example.org] Your password was changed"
    text = _text(mail)
    assert "The password of your account on rapport.example.org was changed." in text
    assert "From the IP address: 203.0.113.7" in text
    assert re.search(r"When: \d{1,2} \w{3} \d{4}, \d\d:\d\d \w+", text)
    assert NOT_YOU in text
    # allauth's words are gone.
    assert "take proper security precautions" not in text
    assert "Browser:" not in text
    _tells_no_client(mail, client_a)


@pytest.mark.parametrize(
    ("prefix", "subject", "says"),
    [
        (
            "account/email/password_reset",
            "Your password was reset",
            "The password of your account on rapport.example.org was reset, with a link "
            "sent to this address.",
        ),
        (
            "mfa/email/totp_activated",
            "Two-factor authentication is on",
            "Two-factor authentication with an authenticator app was turned on for your "
            "account on rapport.example.org. Signing in now asks for a code from that app.",
        ),
        (
            "mfa/email/totp_deactivated",
            "Two-factor authentication is off",
            "Two-factor authentication was turned off for your account on "
            "rapport.example.org. Signing in now asks for your password only.",
        ),
        (
            "mfa/email/recovery_codes_generated",
            "New recovery codes were made",
            "New recovery codes were made for your account on rapport.example.org. The old "
            "ones no longer work.",
        ),
    ],
)
def test_each_of_allauths_notices_is_in_the_apps_words(
    therapist_a, mailoutbox, prefix, subject, says
):
    # As allauth's flows send them (a reset by email, the Security page's authenticator
    # app and recovery codes), on the request the change came in with.
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.4", HTTP_HOST="testserver")
    request.user = therapist_a
    with request_context(request):
        get_adapter(request).send_notification_mail(prefix, therapist_a)
    [mail] = mailoutbox
    assert mail.to == [therapist_a.email]
    assert mail.subject == f"[rapport.example.org] {subject}"
    text = _text(mail)
    assert says in text
    assert "From the IP address: 198.51.100.4" in text
    assert NOT_YOU in text


def test_a_failing_mail_server_does_not_undo_ones_own_password_change(
    client, therapist_a, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    client.force_login(therapist_a)
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_OWN, "password2": NEW_OWN},
    )
    assert response.status_code == 302
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_OWN)
    assert "email failed (SMTPServerDisconnected)" in caplog.text
    assert therapist_a.email not in caplog.text


# -- a change by someone else (the app's AccessNotice, mailed) ---------------------------


def test_an_admins_temporary_password_mails_the_colleague(
    client, admin_user, therapist_a, client_a, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/users/{therapist_a.pk}/password/", {"password": TEMPORARY})
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == [therapist_a.email]
    assert mail.subject == "[rapport.example.org] Someone set a new password for your account"
    text = _text(mail)
    assert re.search(
        r"A new password was set for your account on rapport\.example\.org by "
        r"admin@test\.invalid, on \d{1,2} \w{3} \d{4}, \d\d:\d\d \w+\. ",
        text,
    )
    assert "at your next sign-in you choose a password of your own." in text
    assert "Until you do, whoever knows that password can sign in as you." in text
    assert ASK_LEAD in text
    # The one link: the sign-in page, on BASE_URL.
    assert _links(mail) == [f"{BASE}/accounts/login/"]
    assert TEMPORARY not in text
    _tells_no_client(mail, client_a)


def test_set_password_at_the_command_line_mails_the_user(
    therapist_a, client_a, monkeypatch, capsys, mailoutbox, django_capture_on_commit_callbacks
):
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", TEMPORARY)
    with django_capture_on_commit_callbacks(execute=True):
        assert main(["set-password", "--email", therapist_a.email]) == 0
    [mail] = mailoutbox
    assert mail.to == [therapist_a.email]
    text = _text(mail)
    assert (
        "A new password was set for your account on rapport.example.org by an operator at "
        "the command line, on " in text
    )
    assert ASK_OPERATOR in text
    assert _links(mail) == [f"{BASE}/accounts/login/"]
    _tells_no_client(mail, client_a)


def test_turning_off_a_colleagues_two_factor_mails_them(
    client, admin_user, with_mfa, client_a, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/users/{with_mfa.pk}/two-factor/")
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == [with_mfa.email]
    assert mail.subject == (
        "[rapport.example.org] Someone turned off two-factor authentication for your account"
    )
    text = _text(mail)
    assert (
        "Two-factor authentication was turned off for your account on rapport.example.org "
        "by admin@test.invalid, on "
    ) in text
    assert ": your authenticator app and recovery codes no longer work." in text
    assert "Until a new authenticator app is set up, your password alone signs in as you." in text
    assert ASK_LEAD in text
    assert _links(mail) == [f"{BASE}/accounts/login/"]
    _tells_no_client(mail, client_a)


def test_a_failing_mail_server_does_not_stop_the_admins_password(
    client, admin_user, therapist_a, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/manage/users/{therapist_a.pk}/password/", {"password": TEMPORARY})
    assert response.status_code == 302
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(TEMPORARY) and therapist_a.must_change_password
    assert AccessNotice.objects.filter(
        user=therapist_a, kind=AccessNoticeKind.PASSWORD_SET
    ).exists()
    assert "email failed (SMTPServerDisconnected)" in caplog.text
    assert therapist_a.email not in caplog.text


def test_other_notices_and_a_new_account_are_not_mailed(
    admin_user, therapist_a, clinic, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.conftest import make_user

    supervisor = make_user(clinic, "sup.two@test.invalid", "supervisor")
    with django_capture_on_commit_callbacks(execute=True):
        supervision_link_create(actor=admin_user, supervisor=supervisor, supervisee=therapist_a)
        # A new account: no one had it to lose; the admin hands the password over.
        user_create(
            actor=admin_user,
            clinic=clinic,
            email="new.colleague@test.invalid",
            role="therapist",
            password=TEMPORARY,
        )
    assert AccessNotice.objects.filter(user=therapist_a).exists()
    assert mailoutbox == []
