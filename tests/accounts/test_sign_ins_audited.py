"""Sign-ins and a staff member's own account-security changes are in the audit log: one row
each, naming the account (its actor), what happened and the address, and nothing typed:
no password, no code, and not the email of an account that does not exist (DESIGN §5)."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from tests.accounts.test_mfa_set_up_continues import _set_up_totp, _signed_in
from tests.conftest import PASSWORD

from rapport.accounts import services
from rapport.audit.models import Action, AuditEvent

NEW_PASSWORD = "a-new-password-of-my-own-42"
WRONG = "not-the-password-at-all-77"
UNKNOWN_EMAIL = "no.such.person@test.invalid"


def _auth_rows():
    return list(AuditEvent.objects.filter(target__startswith="auth:").order_by("pk"))


def _new_auth_rows(before: int):
    return [row for row in _auth_rows() if row.pk > before]


def _last_pk() -> int:
    last = AuditEvent.objects.order_by("-pk").first()
    return last.pk if last else 0


def _stored(row: AuditEvent) -> str:
    return " ".join(
        str(value) for value in (row.actor_label, row.action, row.target, row.path, row.ip_address)
    )


def _the_one_row(before: int, *, user, action: str, what: str) -> AuditEvent:
    [row] = _new_auth_rows(before)
    assert row.actor_id == user.pk and row.actor_label == user.email
    assert row.action == action
    assert row.target == f"auth:user:{user.pk}:{what}"
    assert row.client_id is None and row.clinic_id == user.clinic_id
    for secret in (PASSWORD, NEW_PASSWORD, WRONG):
        assert secret not in _stored(row)
    return row


def _sign_in(client, email, password, address="127.0.0.1"):
    return client.post(
        "/accounts/login/", {"login": email, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_a_sign_in_is_one_row_with_the_address(client, therapist_a):
    before = _last_pk()
    assert _sign_in(client, therapist_a.email, PASSWORD, "198.51.100.7").status_code == 302
    row = _the_one_row(before, user=therapist_a, action=Action.CREATE, what="sign-in")
    assert row.ip_address == "198.51.100.7"


@pytest.mark.django_db
def test_a_wrong_password_is_one_row_naming_the_account(client, therapist_a):
    before = _last_pk()
    assert _sign_in(client, therapist_a.email.upper(), WRONG).status_code == 200
    _the_one_row(before, user=therapist_a, action=Action.UPDATE, what="sign-in-failed")


@pytest.mark.django_db
def test_a_wrong_password_asked_again_before_a_security_change_names_the_account(
    client, therapist_a
):
    _sign_in(client, therapist_a.email, PASSWORD)
    before = _last_pk()
    assert client.post("/accounts/reauthenticate/", {"password": WRONG}).status_code == 200
    _the_one_row(before, user=therapist_a, action=Action.UPDATE, what="sign-in-failed")


@pytest.mark.django_db
def test_an_unknown_email_is_one_row_that_keeps_no_email(client, therapist_a):
    before = _last_pk()
    assert _sign_in(client, UNKNOWN_EMAIL, WRONG, "198.51.100.8").status_code == 200
    [row] = _new_auth_rows(before)
    assert row.actor_id is None and row.actor_label == "unknown account"
    assert row.target == "auth:unknown-account:sign-in-failed"
    assert row.ip_address == "198.51.100.8"
    assert row.clinic_id is None  # no clinic's: no admin sees it
    stored = _stored(row)
    assert "no.such.person" not in stored and WRONG not in stored


@pytest.mark.django_db
def test_a_throttled_account_is_one_refusal_row_however_often_it_is_tried(client, therapist_a):
    for _ in range(5):
        _sign_in(client, therapist_a.email, WRONG)
    before = _last_pk()
    for _ in range(3):  # refused, the password unchecked: no "failed" row, one "refused"
        page = _sign_in(client, therapist_a.email, PASSWORD)
        assert "Too many wrong passwords, so signing in is paused." in page.content.decode()
    _the_one_row(before, user=therapist_a, action=Action.UPDATE, what="sign-in-refused")


@pytest.mark.django_db
def test_a_throttled_unknown_email_is_one_refusal_row_that_keeps_no_email(client, therapist_a):
    for _ in range(5):
        _sign_in(client, UNKNOWN_EMAIL, WRONG)
    before = _last_pk()
    for _ in range(3):
        _sign_in(client, UNKNOWN_EMAIL, WRONG)
    [row] = _new_auth_rows(before)
    assert row.actor_label == "unknown account"
    assert row.target == "auth:unknown-account:sign-in-refused"
    assert "no.such.person" not in _stored(row)


@pytest.mark.django_db
def test_a_sign_out_is_one_row(client, therapist_a):
    _sign_in(client, therapist_a.email, PASSWORD)
    before = _last_pk()
    assert client.post("/accounts/logout/").status_code == 302
    _the_one_row(before, user=therapist_a, action=Action.DELETE, what="sign-out")


@pytest.mark.django_db
def test_changing_ones_own_password_is_one_row(client, therapist_a):
    _sign_in(client, therapist_a.email, PASSWORD)
    before = _last_pk()
    done = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)
    _the_one_row(before, user=therapist_a, action=Action.UPDATE, what="own-password:changed")


@pytest.mark.django_db
def test_resetting_ones_own_password_by_email_is_one_row(client, therapist_a, settings, mailoutbox):
    settings.PASSWORD_RESET_BY_EMAIL = True
    client.post("/accounts/password/reset/", {"email": therapist_a.email})
    [link] = re.findall(r"https?://\S+", mailoutbox[0].body)
    page = client.get("/" + link.split("/", 3)[3], follow=True)
    form_url = page.redirect_chain[-1][0]
    before = _last_pk()
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)
    row = _the_one_row(
        before, user=therapist_a, action=Action.UPDATE, what="own-password:reset-by-email"
    )
    # The reset key in the link's path is not kept either.
    assert link.rstrip("/").rsplit("/", 1)[-1] not in row.path


@pytest.mark.django_db
def test_setting_a_first_password_of_ones_own_is_one_row(client, login, therapist_a):
    therapist_a.set_unusable_password()
    therapist_a.save()
    http = login(therapist_a)
    before = _last_pk()
    done = http.post(
        "/accounts/password/set/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    _the_one_row(before, user=therapist_a, action=Action.UPDATE, what="own-password:set")


@pytest.mark.django_db
def test_two_factor_set_up_new_codes_and_turning_it_off_are_each_audited(
    client, therapist_a, django_capture_on_commit_callbacks
):
    # allauth sends "added" and "reset" once the change is committed.
    http = _signed_in(client, therapist_a)
    before = _last_pk()
    with django_capture_on_commit_callbacks(execute=True):
        _set_up_totp(http)
    rows = _new_auth_rows(before)
    assert [(row.action, row.target) for row in rows] == [
        (Action.CREATE, f"auth:user:{therapist_a.pk}:mfa:totp:added"),
        (Action.CREATE, f"auth:user:{therapist_a.pk}:mfa:recovery-codes:added"),
    ]
    assert all(row.actor_id == therapist_a.pk for row in rows)

    before = _last_pk()
    with django_capture_on_commit_callbacks(execute=True):
        assert http.post("/accounts/2fa/recovery-codes/generate/").status_code == 302
    row = _the_one_row(
        before, user=therapist_a, action=Action.UPDATE, what="mfa:recovery-codes:regenerated"
    )
    codes = Authenticator.objects.get(user=therapist_a, type="recovery_codes")
    for code in codes.wrap().get_unused_codes():
        assert code not in _stored(row)

    before = _last_pk()
    assert http.post("/accounts/2fa/totp/deactivate/").status_code == 302
    assert [(row.action, row.target) for row in _new_auth_rows(before)] == [
        (Action.DELETE, f"auth:user:{therapist_a.pk}:mfa:totp:removed"),
        (Action.DELETE, f"auth:user:{therapist_a.pk}:mfa:recovery-codes:removed"),
    ]


@pytest.mark.django_db
def test_a_wrong_code_and_a_recovery_code_at_sign_in_are_audited_without_the_code(
    client, therapist_a
):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    [code, *_] = (
        Authenticator.objects.get(user=therapist_a, type="recovery_codes").wrap().get_unused_codes()
    )
    http.post("/accounts/logout/")

    before = _last_pk()
    assert _sign_in(http, therapist_a.email, PASSWORD)["Location"] == "/accounts/2fa/authenticate/"
    assert _new_auth_rows(before) == []  # not signed in until the second factor
    http.post("/accounts/2fa/authenticate/", {"code": "000000"})
    _the_one_row(before, user=therapist_a, action=Action.UPDATE, what="sign-in-failed:mfa-code")

    before = _last_pk()
    assert http.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    rows = _new_auth_rows(before)
    assert [row.target for row in rows] == [
        f"auth:user:{therapist_a.pk}:mfa:recovery-code:used",
        f"auth:user:{therapist_a.pk}:sign-in",
    ]
    assert all(code not in _stored(row) and "000000" not in _stored(row) for row in rows)


@pytest.mark.django_db
def test_an_admins_reset_of_the_second_factor_is_audited_once_by_the_service(
    client, therapist_a, admin_user
):
    http = _signed_in(client, therapist_a)
    _set_up_totp(http)
    before = _last_pk()
    services.mfa_reset(actor=admin_user, user=therapist_a)
    assert _new_auth_rows(before) == []
    assert (
        AuditEvent.objects.filter(pk__gt=before, target=f"user:{therapist_a.pk}:mfa").count() == 1
    )
