"""The admin's user pages default to the safe choice and refuse combinations that mean
nothing: a new user is a therapist unless chosen otherwise, only a therapist is a trainee,
and a supervisor is never offered as her own supervisee."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from tests.conftest import make_user

from rapport.accounts import services
from rapport.accounts.models import Role, SupervisionLink, User

pytestmark = pytest.mark.django_db

TRAINEE_ONLY_THERAPIST = "Only a therapist can be a trainee: untick it or choose Therapist."


def _options(page: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


def test_the_new_user_page_preselects_therapist(login, admin_user):
    page = login(admin_user).get("/manage/users/new/").content.decode()
    selected = re.findall(r'<option value="(\w+)" selected>', page)
    assert selected == ["therapist"]


@pytest.mark.parametrize("role", ["supervisor", "admin"])
def test_only_a_therapist_can_be_created_as_a_trainee(login, admin_user, role):
    response = login(admin_user).post(
        "/manage/users/new/",
        {
            "email": "new@test.invalid",
            "role": role,
            "is_trainee": "on",
            "password": "a-long-enough-password",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["is_trainee"] == [TRAINEE_ONLY_THERAPIST]
    assert not User.objects.filter(email="new@test.invalid").exists()


def test_a_trainee_therapist_can_still_be_created(login, admin_user):
    response = login(admin_user).post(
        "/manage/users/new/",
        {
            "email": "new@test.invalid",
            "role": "therapist",
            "is_trainee": "on",
            "password": "a-long-enough-password",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="new@test.invalid").is_trainee


def test_editing_refuses_a_trainee_supervisor(login, admin_user, supervisor):
    response = login(admin_user).post(
        f"/manage/users/{supervisor.pk}/",
        {"full_name": "Sup", "role": "supervisor", "is_trainee": "on", "is_active": "on"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["is_trainee"] == [TRAINEE_ONLY_THERAPIST]
    supervisor.refresh_from_db()
    assert not supervisor.is_trainee


def test_a_trainee_therapist_made_supervisor_must_drop_trainee_in_the_service(
    admin_user, therapist_a
):
    therapist_a.is_trainee = True
    therapist_a.save()
    with pytest.raises(ValidationError) as refused:
        services.user_update(actor=admin_user, user=therapist_a, role=Role.SUPERVISOR)
    assert refused.value.message_dict == {"is_trainee": [TRAINEE_ONLY_THERAPIST]}
    therapist_a.refresh_from_db()
    assert therapist_a.role == Role.THERAPIST
    services.user_update(actor=admin_user, user=therapist_a, role=Role.SUPERVISOR, is_trainee=False)


def test_a_sole_supervisor_is_not_offered_as_a_supervisee(
    login, admin_user, supervisor, therapist_b
):
    page = login(admin_user).get("/manage/supervision/").content.decode()
    assert str(supervisor.pk) in _options(page, "supervisor")
    supervisees = _options(page, "supervisee")
    assert str(supervisor.pk) not in supervisees
    assert str(therapist_b.pk) in supervisees


def test_with_two_supervisors_one_may_supervise_the_other_but_not_herself(
    login, admin_user, clinic, supervisor
):
    second = make_user(clinic, "second.sup@test.invalid", Role.SUPERVISOR)
    http = login(admin_user)
    page = http.get("/manage/supervision/").content.decode()
    assert str(second.pk) in _options(page, "supervisee")
    response = http.post("/manage/supervision/", {"supervisor": second.pk, "supervisee": second.pk})
    assert response.status_code == 400
    assert response.context["form"].errors["supervisee"] == [
        "A supervisor cannot supervise themselves: choose someone else."
    ]
    assert not SupervisionLink.objects.filter(supervisee=second).exists()
    http.post("/manage/supervision/", {"supervisor": supervisor.pk, "supervisee": second.pk})
    assert SupervisionLink.objects.filter(supervisor=supervisor, supervisee=second).exists()
