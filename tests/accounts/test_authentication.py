from __future__ import annotations

import pytest
from django.conf import settings
from tests.conftest import PASSWORD

from rapport.accounts.models import User


@pytest.mark.django_db
def test_a_therapist_signs_in_with_email_and_password_and_lands_on_the_caseload(
    client, therapist_a
):
    response = client.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/caseload/"


@pytest.mark.django_db
def test_repeated_failed_logins_are_throttled(client, therapist_a):
    for _ in range(5):
        client.post("/accounts/login/", {"login": therapist_a.email, "password": "wrong-password"})
    # Even the right password is refused while throttled.
    response = client.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    assert response.status_code == 200
    # How long to wait (settings.ACCOUNT_RATE_LIMITS: 5 minutes, an hour after 10 tries) and
    # whom to ask, in the app's words ("sign in", never "login").
    page = response.content.decode()
    assert (
        "Too many wrong passwords, so signing in is paused. Try again in 5 minutes (up to 1 "
        "hour after many tries). If you still cannot sign in, ask your clinic&#x27;s "
        "administrator."
    ) in page
    assert "login" not in page.split('<div class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_up_is_closed(client):
    # A complete, valid form: an open sign-up would have made the account.
    passphrase = "a-long-pass-phrase-1"
    page = client.post(
        "/accounts/signup/",
        {"email": "new@test.invalid", "password1": passphrase, "password2": passphrase},
    )
    assert "the sign up is currently closed" in page.content.decode()
    assert not User.objects.filter(email="new@test.invalid").exists()


def test_production_passwords_are_hashed_with_argon2():
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_sessions_expire_after_thirty_minutes_of_inactivity():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


@pytest.mark.django_db
def test_when_the_clinic_requires_mfa_staff_without_it_are_sent_to_set_it_up(
    login, therapist_a, clinic
):
    clinic.require_mfa = True
    clinic.save()
    response = login(therapist_a).get("/caseload/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.django_db
def test_staff_with_totp_pass_the_mfa_requirement(login, therapist_a, clinic):
    from allauth.mfa.models import Authenticator

    clinic.require_mfa = True
    clinic.save()
    Authenticator.objects.create(
        user=therapist_a, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    page = login(therapist_a).get("/caseload/")
    assert page.status_code == 200
    assert "<h1>Caseload</h1>" in page.content.decode()


@pytest.mark.django_db
def test_totp_and_recovery_codes_can_be_set_up(client, therapist_a):
    client.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    # allauth asks for the password again before security changes.
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert "svg" in page.content.decode().lower()  # the QR code to scan
    assert set(settings.MFA_SUPPORTED_TYPES) >= {"totp", "recovery_codes"}


@pytest.mark.django_db
def test_pages_send_csp_and_security_headers(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_without_a_mail_server_no_reset_link_is_made_and_the_page_says_who_can_help(
    client, therapist_a, settings, mailoutbox
):
    settings.PASSWORD_RESET_BY_EMAIL = False
    login_page = client.get("/accounts/login/").content.decode()
    assert "/accounts/password/reset/" not in login_page
    assert "Your clinic's administrator can set a new one." in login_page
    page = client.post("/accounts/password/reset/", {"email": therapist_a.email})
    assert "This server does not send email" in page.content.decode()
    assert mailoutbox == []


@pytest.mark.django_db
def test_with_a_mail_server_the_reset_link_is_emailed(client, therapist_a, settings, mailoutbox):
    settings.PASSWORD_RESET_BY_EMAIL = True
    assert "/accounts/password/reset/" in client.get("/accounts/login/").content.decode()
    client.post("/accounts/password/reset/", {"email": therapist_a.email})
    assert [m.to for m in mailoutbox] == [[therapist_a.email]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


@pytest.mark.django_db
def test_staff_cannot_change_their_own_sign_in_email(login, therapist_a):
    http = login(therapist_a)
    assert http.get("/accounts/email/").status_code == 404
    response = http.post(
        "/accounts/email/", {"email": "someone.else@test.invalid", "action_add": ""}
    )
    assert response.status_code == 404
    therapist_a.refresh_from_db()
    assert therapist_a.email == "therapist.a@test.invalid"
    assert not therapist_a.emailaddress_set.filter(email="someone.else@test.invalid").exists()


@pytest.mark.django_db
def test_a_password_an_admin_set_opens_only_the_page_to_choose_ones_own(
    client, login, admin_user, clinic
):
    chosen_by_admin = "the-admin-knows-this-one"
    login(admin_user).post(
        "/manage/users/new/",
        {"email": "new.t@test.invalid", "role": "therapist", "password": chosen_by_admin},
    )
    new = User.objects.get(email="new.t@test.invalid")
    assert new.must_change_password
    client.logout()
    client.post("/accounts/login/", {"login": new.email, "password": chosen_by_admin})
    for page in ("/caseload/", "/manage/users/", "/api/docs"):
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"] == "/accounts/password/change/"
    assert "choose your own" in client.get("/accounts/password/change/").content.decode()

    own = "a-passphrase-only-i-know"
    client.post(
        "/accounts/password/change/",
        {"oldpassword": chosen_by_admin, "password1": own, "password2": own},
    )
    new.refresh_from_db()
    assert not new.must_change_password and new.check_password(own)
    assert client.get("/caseload/").status_code == 200


@pytest.mark.django_db
def test_an_operator_creating_their_own_account_at_the_command_line_is_not_asked_again(clinic):
    from rapport.accounts.services import user_create

    user = user_create(
        actor=None,
        clinic=clinic,
        email="op@test.invalid",
        role="admin",
        password="x" * 20,
        temporary=False,
    )
    assert not user.must_change_password


@pytest.mark.django_db
def test_an_account_made_at_the_command_line_for_someone_else_must_choose_its_own(clinic):
    """Whoever typed the password knows it, an operator as much as an admin."""
    from rapport.accounts.services import user_create

    user = user_create(
        actor="cli", clinic=clinic, email="new@test.invalid", role="therapist", password="x" * 20
    )
    assert user.must_change_password
