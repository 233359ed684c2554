"""Signing in lands each role where "/" sends it: a clinic admin may not open the caseload."""

from __future__ import annotations

import pytest
from tests.conftest import PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"),
    [("admin_user", "/manage/users/"), ("therapist_a", "/caseload/"), ("supervisor", "/caseload/")],
)
def test_signing_in_lands_each_role_where_home_sends_it(client, request, role, landing):
    user = request.getfixturevalue(role)
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get("/")["Location"] == landing  # the same place as "/"
    assert client.get(landing).status_code == 200


@pytest.mark.django_db
def test_a_clinic_admin_is_not_shown_a_forbidden_page_after_signing_in(client, admin_user):
    response = client.post(
        "/accounts/login/", {"login": admin_user.email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/manage/users/"
