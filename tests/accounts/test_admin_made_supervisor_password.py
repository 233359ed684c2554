"""A supervisor account a clinic admin creates with a password must choose its own at first
sign-in, like any account (User.must_change_password). This does not stop the admin, who
knows the first password, from choosing the "own" one themselves (docs/configuration.md,
"Roles, supervision and the audit log"): the supervisee is told instead (test_access_notices)."""

from __future__ import annotations

import pytest
from django.test import Client as HttpClient

from rapport.accounts.models import AccessNotice, AccessNoticeKind, Role, User

pytestmark = pytest.mark.django_db

ADMINS_CHOICE = "the-admin-knows-this-one-7"


def test_an_admin_made_supervisor_must_choose_a_password_first(admin_user, client_a):
    admin = HttpClient()
    admin.force_login(admin_user)
    admin.post(
        "/manage/users/new/",
        {"email": "sup.new@test.invalid", "role": Role.SUPERVISOR, "password": ADMINS_CHOICE},
    )
    sup = User.objects.get(email="sup.new@test.invalid")
    assert sup.must_change_password
    http = HttpClient()
    http.post("/accounts/login/", {"login": sup.email, "password": ADMINS_CHOICE})
    response = http.get("/caseload/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/password/change/")
    # The account's own notice says who set the password, and when.
    notice = AccessNotice.objects.get(user=sup)
    assert (notice.kind, notice.actor_label) == (AccessNoticeKind.PASSWORD_SET, admin_user.email)
