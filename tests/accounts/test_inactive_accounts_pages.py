"""What the pages say around an inactive account: the admin's edit page names who still
sees the clients (their active supervisors; an inactive therapist's clients are not seen
by "nobody"), the switched-off user is told kindly whom to ask, only once they gave the
right password, and /accounts/ leads somewhere that exists."""

from __future__ import annotations

import pytest
from tests.accounts._helpers import page_text
from tests.conftest import PASSWORD, make_client, make_user

from rapport.accounts.models import Role, SupervisionLink, User

pytestmark = pytest.mark.django_db

SWITCHED_OFF = (
    "This account has been switched off by your clinic's administrator. If you think this "
    "is a mistake, contact them."
)


def _named(user: User, name: str) -> User:
    user.full_name = name
    user.save()
    return user


@pytest.fixture
def sam(clinic) -> User:
    """A therapist with one client, supervised by Morgan (active) and by Jo (on leave)."""
    sam = _named(make_user(clinic, "sam@test.invalid", Role.THERAPIST), "Sam Okafor")
    morgan = _named(make_user(clinic, "morgan@test.invalid", Role.SUPERVISOR), "Morgan Lee")
    jo = _named(make_user(clinic, "jo@test.invalid", Role.SUPERVISOR, is_active=False), "Jo Park")
    for supervisor in (morgan, jo):
        SupervisionLink.objects.create(supervisor=supervisor, supervisee=sam)
    make_client(sam, "Sam's Client")
    return sam


def test_the_edit_page_names_the_supervisor_who_still_sees_the_clients(login, admin_user, sam):
    page = page_text(login(admin_user).get(f"/manage/users/{sam.pk}/"))
    assert (
        "sam@test.invalid has 1 current client. Move the client to a colleague before making this "
        "account inactive: otherwise the client has no therapist. Morgan Lee (supervisor) "
        "still sees these clients; nobody else does. Move clients" in page
    )
    assert "nobody sees their alerts" not in page
    assert "Jo Park" not in page


def test_an_inactive_therapists_page_says_who_sees_the_clients_meanwhile(login, admin_user, sam):
    User.objects.filter(pk=sam.pk).update(is_active=False)
    page = page_text(login(admin_user).get(f"/manage/users/{sam.pk}/"))
    assert (
        "sam@test.invalid is inactive and still has 1 current client, who has no therapist until "
        "moved to a colleague. Morgan Lee (supervisor) still sees these clients; nobody else "
        "does." in page
    )


def test_without_an_active_supervisor_the_page_says_nobody_else_sees_them(
    login, admin_user, therapist_a, client_a
):
    page = page_text(login(admin_user).get(f"/manage/users/{therapist_a.pk}/"))
    assert "No supervisor is linked: nobody else sees these clients" in page


def test_a_switched_off_account_is_told_whom_to_ask(client, therapist_a):
    User.objects.filter(pk=therapist_a.pk).update(is_active=False)
    response = client.post(
        "/accounts/login/", {"login": therapist_a.email, "password": PASSWORD}, follow=True
    )
    assert SWITCHED_OFF in page_text(response)
    assert "This account is inactive." not in page_text(response)
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_on_a_switched_off_account_tells_nothing_more(client, therapist_a):
    """Without the password, nobody learns the account exists, let alone that it is off."""
    User.objects.filter(pk=therapist_a.pk).update(is_active=False)
    response = client.post(
        "/accounts/login/",
        {"login": therapist_a.email, "password": "not-the-password-at-all"},
        follow=True,
    )
    assert "not correct" in page_text(response)
    assert "switched off" not in page_text(response)


def test_accounts_leads_a_signed_in_user_to_their_security_page(login, therapist_a):
    response = login(therapist_a).get("/accounts/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"


def test_accounts_leads_a_signed_out_visitor_to_sign_in(client):
    response = client.get("/accounts/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/accounts/login/"
