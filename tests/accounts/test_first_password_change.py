"""The first sign-in with a password an admin set: the user must choose one only they know,
is told why, and goes on to their work once they have."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from rapport.accounts.models import User

ADMINS_CHOICE = "the-admin-knows-this-one"
OWN = "a-passphrase-only-i-know"
CHANGE = "/accounts/password/change/"
# The form the settings are asked to name (ACCOUNT_FORMS): labels and help like other forms.
OWN_FORM = override_settings(
    ACCOUNT_FORMS={"change_password": "rapport.accounts.forms.OwnPasswordChangeForm"}
)


def _signed_in_with_admins_password(client, login, admin_user, role="therapist"):
    email = f"new.{role}@test.invalid"
    login(admin_user).post(
        "/manage/users/new/", {"email": email, "role": role, "password": ADMINS_CHOICE}
    )
    client.logout()
    client.post("/accounts/login/", {"login": email, "password": ADMINS_CHOICE})
    return User.objects.get(email=email)


@pytest.mark.django_db
def test_the_password_the_admin_set_is_refused_as_the_new_one(client, login, admin_user):
    user = _signed_in_with_admins_password(client, login, admin_user)
    response = client.post(
        CHANGE,
        {"oldpassword": ADMINS_CHOICE, "password1": ADMINS_CHOICE, "password2": ADMINS_CHOICE},
    )
    page = response.content.decode()
    assert response.status_code == 200  # the form again, not a redirect
    assert "Your password has been changed." not in page
    assert response.context["form"].errors["password1"] == [
        "This is the password that was set for you, so someone else knows it. Choose a new one "
        "that only you know."
    ]
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(ADMINS_CHOICE)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"), [("therapist", "/caseload/"), ("admin", "/manage/users/")]
)
def test_after_choosing_their_own_the_user_goes_on_where_home_sends_them(
    client, login, admin_user, role, landing
):
    user = _signed_in_with_admins_password(client, login, admin_user, role)
    response = client.post(
        CHANGE, {"oldpassword": ADMINS_CHOICE, "password1": OWN, "password2": OWN}
    )
    assert response.status_code == 302
    assert response["Location"] == landing
    page = client.get(landing).content.decode()
    assert "Your password has been changed." in page
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(OWN)


@pytest.mark.django_db
def test_the_change_page_looks_like_the_apps_forms_and_says_why_it_opened(
    client, login, admin_user
):
    _signed_in_with_admins_password(client, login, admin_user)
    with OWN_FORM:
        page = client.get(CHANGE).content.decode()
    assert "<title>Change password · Rapport</title>" in page
    assert "<h1>Change password</h1>" in page
    assert '<button type="submit" class="primary">Change password</button>' in page
    assert "Your current password was set for you by someone else, so they know it too." in page
    assert ">Cancel</a>" not in page  # nowhere else opens until it is done
    for label in ("Current password", "New password", "New password again"):
        assert f'>{label} <span class="req"' in page
    assert "Current Password" not in page and "New Password" not in page
    help_line = re.search(r'<p class="help" id="id_password1_helptext">(.*?)</p>', page, re.S)
    assert help_line and "at least 12 characters" in help_line.group(1)
    assert "<ul" not in help_line.group(1) and "<li>" not in page.split("<main", 1)[1]


@pytest.mark.django_db
def test_a_voluntary_change_has_no_admin_explanation_and_can_be_cancelled(login, therapist_a):
    with OWN_FORM:
        page = login(therapist_a).get(CHANGE).content.decode()
    assert "<h1>Change password</h1>" in page
    assert "set for you by someone else" not in page
    assert ">Cancel</a>" in page
