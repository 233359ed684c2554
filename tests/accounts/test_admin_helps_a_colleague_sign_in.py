"""A colleague who cannot sign in asks their clinic's administrator (the sign-in page's
pause says so), who can help on the web as at the command line: a temporary password that
the colleague replaces at their next sign-in, and two-factor authentication turned off for
a lost phone. Same clinic only, never the admin's own account, audited and told."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from tests.accounts._helpers import THROTTLED, page_text, sign_in, signed_in
from tests.conftest import PASSWORD, make_user

from rapport.accounts.models import AccessNotice, AccessNoticeKind
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Clinic

TEMPORARY = "a-temporary-passphrase-9"
#: Said only when the new password also lifted a pause on signing in.
PAUSE_LIFTED = (
    "Their sign-in was paused after too many wrong passwords: the pause is lifted, so they "
    "can sign in now."
)


def _password_url(user) -> str:
    return f"/manage/users/{user.pk}/password/"


def _mfa_url(user) -> str:
    return f"/manage/users/{user.pk}/two-factor/"


@pytest.fixture
def other_clinics_therapist(db):
    return make_user(
        Clinic.objects.create(name="Other Clinic"), "elsewhere@test.invalid", "therapist"
    )


# -- the edit page says what the admin can do -------------------------------------------


@pytest.mark.django_db
def test_a_colleagues_edit_page_offers_a_temporary_password_and_turning_off_two_factor(
    login, admin_user, with_mfa
):
    page = login(admin_user).get(f"/manage/users/{with_mfa.pk}/").content.decode()
    assert f'href="{_password_url(with_mfa)}">Set a temporary password</a>' in page
    assert f'href="{_mfa_url(with_mfa)}">Turn off two-factor authentication</a>' in page


@pytest.mark.django_db
def test_the_admins_own_edit_page_sends_them_to_their_own_security_page(login, admin_user):
    page = login(admin_user).get(f"/manage/users/{admin_user.pk}/").content.decode()
    assert "Set a temporary password" not in page
    assert 'href="/accounts/2fa/">Your security page</a>' in page
    # And the pages themselves send them there, changing nothing.
    response = login(admin_user).post(_password_url(admin_user), {"password": TEMPORARY})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/"
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD) and not admin_user.must_change_password


# -- a temporary password ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_temporary_password_makes_the_colleague_choose_their_own_at_next_sign_in(
    client, login, admin_user, therapist_a
):
    response = login(admin_user).post(_password_url(therapist_a), {"password": TEMPORARY})
    assert response.status_code == 302
    assert response["Location"] == f"/manage/users/{therapist_a.pk}/"
    message = client.get(response["Location"]).content.decode()
    assert f"Temporary password set for {therapist_a.email}." in message
    assert PAUSE_LIFTED not in page_text(message)  # there was none

    therapist_a.refresh_from_db()
    assert therapist_a.must_change_password and therapist_a.check_password(TEMPORARY)
    # The same audit row and notice as `rapport set-password`, with the admin's name.
    event = AuditEvent.objects.get(target=f"user:{therapist_a.pk}:password")
    assert (event.action, event.actor) == ("update", admin_user)
    assert AccessNotice.objects.filter(
        user=therapist_a, kind=AccessNoticeKind.PASSWORD_SET, actor=admin_user
    ).exists()

    # Their next sign-in opens only the page where they choose their own.
    response = sign_in(client, therapist_a.email, TEMPORARY)
    assert signed_in(client, response)
    landing = client.get("/caseload/", follow=True)
    assert landing.redirect_chain[-1][0] == "/accounts/password/change/"
    assert "Your current password was set for you by someone else" in landing.content.decode()


@pytest.mark.django_db
def test_a_weak_temporary_password_is_refused_next_to_its_field(login, admin_user, therapist_a):
    response = login(admin_user).post(_password_url(therapist_a), {"password": "short"})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["password"] == [
        "This password is too short. It must contain at least 12 characters."
    ]
    page = response.content.decode()
    assert 'href="#id_password">Temporary password</a>' in page
    assert 'aria-invalid="true"' in page
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(PASSWORD) and not therapist_a.must_change_password
    assert not AuditEvent.objects.filter(target=f"user:{therapist_a.pk}:password").exists()


@pytest.mark.django_db
def test_the_temporary_password_lifts_the_accounts_pause_on_signing_in(
    client, login, admin_user, therapist_a, settings
):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "3/1h/key",
    }
    # Wrong passwords from three places: the account is paused everywhere.
    for n in range(3):
        sign_in(client, therapist_a.email, "wrong-password", f"198.51.100.{n}")
    assert THROTTLED in sign_in(client, therapist_a.email, PASSWORD, "10.9.9.9").content.decode()

    done = login(admin_user).post(_password_url(therapist_a), {"password": TEMPORARY}, follow=True)
    assert PAUSE_LIFTED in page_text(done)
    assert signed_in(client, sign_in(client, therapist_a.email, TEMPORARY, "10.9.9.9"))


@pytest.mark.django_db
def test_the_temporary_password_lifts_the_pause_at_the_admins_address(
    client, login, admin_user, therapist_a
):
    # Five wrong passwords in the clinic, where the admin is too.
    for _ in range(5):
        sign_in(client, therapist_a.email, "wrong-password", "127.0.0.1")
    assert THROTTLED in sign_in(client, therapist_a.email, PASSWORD, "127.0.0.1").content.decode()

    done = login(admin_user).post(
        _password_url(therapist_a), {"password": TEMPORARY}, REMOTE_ADDR="127.0.0.1", follow=True
    )
    assert PAUSE_LIFTED in page_text(done)
    assert signed_in(client, sign_in(client, therapist_a.email, TEMPORARY, "127.0.0.1"))


# -- turning off two-factor authentication ----------------------------------------------


@pytest.mark.django_db
def test_turning_off_two_factor_asks_first_then_removes_every_authenticator(
    client, login, admin_user, with_mfa
):
    page = login(admin_user).get(_mfa_url(with_mfa))
    assert page.status_code == 200
    assert (
        f"<h1>Turn off two-factor authentication for {with_mfa.email}?</h1>"
        in page.content.decode()
    )
    assert Authenticator.objects.filter(user=with_mfa).count() == 2  # asking changed nothing

    response = client.post(_mfa_url(with_mfa))
    assert response.status_code == 302
    assert response["Location"] == f"/manage/users/{with_mfa.pk}/"
    assert (
        "Two-factor authentication is off for" in client.get(response["Location"]).content.decode()
    )
    assert not Authenticator.objects.filter(user=with_mfa).exists()
    event = AuditEvent.objects.get(target=f"user:{with_mfa.pk}:mfa")
    assert (event.action, event.actor, event.ip_address) == ("delete", admin_user, "127.0.0.1")
    assert AccessNotice.objects.filter(
        user=with_mfa, kind=AccessNoticeKind.MFA_RESET, actor=admin_user
    ).exists()


# -- who may -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [_password_url, _mfa_url])
def test_another_clinics_staff_are_not_found(
    login, admin_user, with_mfa, other_clinics_therapist, url
):
    Authenticator.objects.create(
        user=other_clinics_therapist, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    client = login(admin_user)
    assert client.get(url(with_mfa)).status_code == 200  # the page, for their own clinic
    assert client.get(url(other_clinics_therapist)).status_code == 404
    assert client.post(url(other_clinics_therapist), {"password": TEMPORARY}).status_code == 404
    other_clinics_therapist.refresh_from_db()
    assert other_clinics_therapist.check_password(PASSWORD)
    assert not other_clinics_therapist.must_change_password
    assert Authenticator.objects.filter(user=other_clinics_therapist).exists()
    assert not AuditEvent.objects.filter(
        target__startswith=f"user:{other_clinics_therapist.pk}:"
    ).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", [_password_url, _mfa_url])
def test_only_a_clinic_admin_may(login, supervisor, with_mfa, url):
    client = login(supervisor)
    assert client.get(url(with_mfa)).status_code == 403
    assert client.post(url(with_mfa), {"password": TEMPORARY}).status_code == 403
    with_mfa.refresh_from_db()
    assert with_mfa.check_password(PASSWORD)
    assert Authenticator.objects.filter(user=with_mfa).count() == 2


@pytest.mark.django_db
def test_the_pages_check_the_csrf_token(admin_user, therapist_a, with_mfa):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(_password_url(therapist_a), {"password": TEMPORARY}).status_code == 403
    assert client.post(_mfa_url(therapist_a)).status_code == 403
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(PASSWORD)
    assert Authenticator.objects.filter(user=therapist_a).count() == 2
