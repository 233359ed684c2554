"""A password an admin set makes the user choose their own first: the change used to land on
the home page whatever the user was going to, so the therapist signing in again on the
clinic's tablet (its "next": the way back to the client they were with) lost the client.
The page they were going to is kept through the change, if it is on this host."""

from __future__ import annotations

import re
from html import unescape

import pytest
from tests.checkins._helpers import SIGN_IN_AGAIN, TABLET_RETURN, tablet_answered
from tests.conftest import CANARY

from rapport.accounts.services import user_set_password

ADMINS_CHOICE = "the-admin-knows-this-one"
OWN = "a-passphrase-only-i-know"
CHANGE = "/accounts/password/change/"
#: Where the session keeps the page (rapport.accounts.middleware.AFTER_PASSWORD_CHANGE).
AFTER_PASSWORD_CHANGE = "password_change_next"


def _change(http):
    return http.post(CHANGE, {"oldpassword": ADMINS_CHOICE, "password1": OWN, "password2": OWN})


@pytest.mark.django_db
def test_the_change_leads_on_to_the_page_the_sign_in_was_going_to(
    client, admin_user, therapist_a, client_a
):
    user_set_password(actor=admin_user, user=therapist_a, password=ADMINS_CHOICE)
    page = f"/clients/{client_a.pk}/?tab=goals"
    signed_in = client.post(
        "/accounts/login/", {"login": therapist_a.email, "password": ADMINS_CHOICE, "next": page}
    )
    assert signed_in["Location"] == page
    sent = client.get(page)
    assert sent.status_code == 302 and sent["Location"] == CHANGE
    done = _change(client)
    assert done.status_code == 302 and done["Location"] == page
    shown = client.get(page).content.decode()
    assert "Your password has been changed." in shown and CANARY in shown
    # Taken once: a later voluntary change goes to the landing page.
    assert AFTER_PASSWORD_CHANGE not in client.session


@pytest.mark.django_db
def test_signing_in_again_on_the_tablet_leads_back_to_the_client_through_the_change(
    login, admin_user, therapist_a, client_a
):
    http = login(therapist_a)
    thanks = tablet_answered(http, client_a)[1]
    [link] = re.findall(r'<a href="([^"]+)">' + re.escape(SIGN_IN_AGAIN) + "</a>", thanks)
    # While the client held the tablet, an admin set the therapist's password.
    user_set_password(actor=admin_user, user=therapist_a, password=ADMINS_CHOICE)
    signed_in = http.post(
        unescape(link),
        {"login": therapist_a.email, "password": ADMINS_CHOICE, "next": TABLET_RETURN},
    )
    assert signed_in["Location"] == TABLET_RETURN
    assert http.get(TABLET_RETURN)["Location"] == CHANGE
    done = _change(http)
    assert done.status_code == 302 and done["Location"] == TABLET_RETURN
    back = http.get(TABLET_RETURN)
    assert back.status_code == 302 and back["Location"] == f"/clients/{client_a.pk}/"
    assert CANARY in http.get(back["Location"]).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "elsewhere", ["//evil.test/clients/", "https://evil.test/", "http://testserver.evil.test/"]
)
def test_a_remembered_address_on_another_host_is_not_followed(
    client, admin_user, therapist_a, elsewhere
):
    user_set_password(actor=admin_user, user=therapist_a, password=ADMINS_CHOICE)
    client.post("/accounts/login/", {"login": therapist_a.email, "password": ADMINS_CHOICE})
    session = client.session
    session[AFTER_PASSWORD_CHANGE] = elsewhere
    session.save()
    done = _change(client)
    assert done.status_code == 302 and done["Location"] == "/caseload/"


@pytest.mark.django_db
def test_a_form_sent_before_the_change_is_not_followed_afterwards(client, admin_user, therapist_a):
    # A POST cannot be followed as a link: only pages asked for are remembered.
    user_set_password(actor=admin_user, user=therapist_a, password=ADMINS_CHOICE)
    client.post("/accounts/login/", {"login": therapist_a.email, "password": ADMINS_CHOICE})
    assert client.post("/clients/new/", {"display_name": "Someone"})["Location"] == CHANGE
    assert _change(client)["Location"] == "/caseload/"
