"""A token ends with the account terms it was made under: a new password (set by an admin,
changed or reset by the user), a disabled account (which stays shut when made active
again), a new role. Each revoked token is audited, naming whose it was and why."""

from __future__ import annotations

import re

import pytest
from tests.conftest import PASSWORD

from rapport.accounts.models import Role
from rapport.accounts.services import user_set_password, user_update
from rapport.api.models import ApiToken
from rapport.api.services import api_token_create
from rapport.audit.models import AuditEvent

NEW_PASSWORD = "a-new-long-enough-passphrase"


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def works(client, raw: str) -> bool:
    """Whether the API takes the token (404: it does, and the client is not found)."""
    return client.get("/api/v1/clients/999999/responses", **bearer(raw)).status_code == 404


def revocations(token: ApiToken) -> list[tuple[str, str]]:
    prefix = f"api-token:{token.pk}:user:{token.user_id}:revoked"
    events = AuditEvent.objects.filter(target__startswith=prefix).order_by("pk")
    return [(e.actor_label, e.target.removeprefix(prefix)) for e in events]


@pytest.mark.django_db
def test_a_password_the_admin_sets_revokes_every_live_token_each_audited(
    client, therapist_a, admin_user
):
    laptop, laptop_raw = api_token_create(actor="cli", user=therapist_a, name="laptop")
    server, server_raw = api_token_create(actor="cli", user=therapist_a, name="server")
    user_set_password(actor=admin_user, user=therapist_a, password=NEW_PASSWORD)
    assert not works(client, laptop_raw) and not works(client, server_raw)
    assert revocations(laptop) == [(admin_user.email, ":password-set")]
    assert revocations(server) == [(admin_user.email, ":password-set")]


@pytest.mark.django_db
def test_an_already_revoked_token_is_not_revoked_again(therapist_a, admin_user):
    token, _ = api_token_create(actor="cli", user=therapist_a)
    user_set_password(actor=admin_user, user=therapist_a, password=NEW_PASSWORD)
    user_set_password(actor=admin_user, user=therapist_a, password=NEW_PASSWORD + "-2")
    assert len(revocations(token)) == 1


@pytest.mark.django_db
def test_other_users_tokens_are_untouched(client, therapist_a, therapist_b, admin_user):
    _, raw_b = api_token_create(actor="cli", user=therapist_b)
    user_set_password(actor=admin_user, user=therapist_a, password=NEW_PASSWORD)
    assert works(client, raw_b)


@pytest.mark.django_db
def test_a_disabled_account_made_active_again_does_not_bring_its_token_back(
    client, therapist_a, admin_user
):
    token, raw = api_token_create(actor="cli", user=therapist_a)
    user_update(actor=admin_user, user=therapist_a, is_active=False)
    assert not works(client, raw)
    user_update(actor=admin_user, user=therapist_a, is_active=True)
    assert not works(client, raw)
    assert revocations(token) == [(admin_user.email, ":deactivated")]


@pytest.mark.django_db
def test_a_token_left_alive_on_an_account_disabled_before_the_upgrade_ends_at_reactivation(
    client, therapist_a, admin_user
):
    token, raw = api_token_create(actor="cli", user=therapist_a)
    # As a release before this rule left it: disabled, its token not revoked.
    therapist_a.is_active = False
    therapist_a.save(update_fields=["is_active"])
    user_update(actor=admin_user, user=therapist_a, is_active=True)
    assert not works(client, raw)
    assert revocations(token) == [(admin_user.email, ":reactivated")]


@pytest.mark.django_db
def test_a_role_change_revokes_the_token(client, therapist_a, admin_user):
    token, raw = api_token_create(actor="cli", user=therapist_a)
    user_update(actor=admin_user, user=therapist_a, role=Role.SUPERVISOR)
    assert not works(client, raw)
    assert revocations(token) == [(admin_user.email, ":role-changed")]


@pytest.mark.django_db
def test_saving_the_account_with_the_same_role_and_state_keeps_the_token(
    client, therapist_a, admin_user
):
    """The edit page sends every field each time: only a change ends tokens."""
    _, raw = api_token_create(actor="cli", user=therapist_a)
    user_update(
        actor=admin_user,
        user=therapist_a,
        full_name="Therapist A. Renamed",
        role=Role.THERAPIST,
        is_active=True,
        is_trainee=False,
    )
    assert works(client, raw)


@pytest.mark.django_db
def test_the_users_own_password_change_revokes_their_token(client, login, therapist_a):
    token, raw = api_token_create(actor="cli", user=therapist_a)
    http = login(therapist_a)
    http.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)  # the change itself went through
    http.logout()
    assert not works(client, raw)
    assert revocations(token) == [(therapist_a.email, ":password-set")]


@pytest.mark.django_db
def test_a_password_reset_by_email_revokes_the_token(client, therapist_a, settings, mailoutbox):
    settings.PASSWORD_RESET_BY_EMAIL = True
    token, raw = api_token_create(actor="cli", user=therapist_a)
    client.post("/accounts/password/reset/", {"email": therapist_a.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[0].body)
    assert link is not None
    form_page = client.get(link.group(1), follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)  # the reset itself went through
    assert not works(client, raw)
    assert revocations(token) == [(therapist_a.email, ":password-set")]


@pytest.mark.django_db
def test_the_admins_audit_page_shows_whose_token_ended_and_why(login, therapist_a, admin_user):
    token, _ = api_token_create(actor="cli", user=therapist_a)
    http = login(admin_user)
    saved = http.post(
        f"/manage/users/{therapist_a.pk}/",
        {"full_name": therapist_a.full_name, "role": Role.THERAPIST},  # "Active" unticked
    )
    assert saved.status_code == 302
    target = f"api-token:{token.pk}:user:{therapist_a.pk}:revoked:deactivated"
    page = http.get("/manage/audit/", {"action": "update"}).content.decode()
    assert target in page
    assert admin_user.email in page
