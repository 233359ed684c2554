"""Making a deactivated supervisor active again reopens the supervision links the
deactivation suspended: the admin is told whose clients become visible again and how many
(staff names and counts, never clients), ticks to confirm, and each reopened link is
audited. With no link to reopen, no tick is asked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from tests.accounts._helpers import page_text
from tests.conftest import CANARY, make_client, make_user

from rapport.accounts import services
from rapport.accounts.models import Role, SupervisionLink, User
from rapport.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

WARNING = (
    "Morgan Lee's supervision of 2 therapists is suspended while the account is inactive, "
    "not ended: Alex Rivera (2 clients), Sam Okafor (no clients). Made active again, Morgan "
    "Lee sees these 2 clients again, with their alerts and risk answers. If any of it should "
    "not go on, remove those links under Supervision first."
)


def _named(user: User, name: str) -> User:
    user.full_name = name
    user.save()
    return user


@pytest.fixture
def morgan(clinic):
    """A supervisor of Alex (two clients) and Sam (none), made inactive (on leave)."""
    morgan = _named(make_user(clinic, "morgan.lee@test.invalid", Role.SUPERVISOR), "Morgan Lee")
    for email, name in (("alex@test.invalid", "Alex Rivera"), ("sam@test.invalid", "Sam Okafor")):
        therapist = _named(make_user(clinic, email, Role.THERAPIST), name)
        SupervisionLink.objects.create(supervisor=morgan, supervisee=therapist)
    alex = User.objects.get(email="alex@test.invalid")
    make_client(alex, f"{CANARY} Client")
    make_client(alex, "Second Client")
    morgan.is_active = False
    morgan.save()
    return morgan


def _page(user: User) -> str:
    return f"/manage/users/{user.pk}/"


def _reactivate(user: User, **extra) -> dict:
    return {"full_name": user.full_name, "role": user.role, "is_active": "on", **extra}


def _reopened_events():
    return AuditEvent.objects.filter(action="update", target__endswith=":reopened")


def test_reactivating_a_supervisor_names_the_links_it_reopens_and_asks_for_a_tick(
    login, admin_user, morgan
):
    admin = login(admin_user)
    response = admin.post(_page(morgan), _reactivate(morgan))
    assert response.status_code == 400
    assert WARNING in page_text(response)
    assert "Open these supervision links again" in page_text(response)
    assert CANARY not in response.content.decode()
    assert "Second Client" not in response.content.decode()
    morgan.refresh_from_db()
    assert not morgan.is_active
    assert not _reopened_events().exists()

    confirmed = response.context["form"]["confirmed_for"].value()
    response = admin.post(
        _page(morgan),
        _reactivate(morgan, supervision_reopen_accepted="on", confirmed_for=confirmed),
        follow=True,
    )
    assert "User saved." in page_text(response)
    assert (
        "2 supervision links are open again: Morgan Lee sees the clients of Alex Rivera, Sam "
        "Okafor again. Let them know." in page_text(response)
    )
    morgan.refresh_from_db()
    assert morgan.is_active
    reopened = _reopened_events()
    links = SupervisionLink.objects.filter(supervisor=morgan)
    assert {e.target for e in reopened} == {
        f"supervision:{link.pk}:user:{morgan.pk}->user:{link.supervisee_id}:reopened"
        for link in links
    }
    assert all(e.actor_id == admin_user.pk for e in reopened)


def test_a_tick_given_for_other_links_is_asked_again(login, admin_user, clinic, morgan):
    admin = login(admin_user)
    confirmed = admin.post(_page(morgan), _reactivate(morgan)).context["form"]
    confirmed = confirmed["confirmed_for"].value()
    # Meanwhile one of the links is removed and another made: the tick named other links.
    SupervisionLink.objects.filter(supervisee__email="sam@test.invalid").delete()
    kim = _named(make_user(clinic, "kim@test.invalid", Role.THERAPIST), "Kim Lee")
    SupervisionLink.objects.create(supervisor=morgan, supervisee=kim)
    response = admin.post(
        _page(morgan),
        _reactivate(morgan, supervision_reopen_accepted="on", confirmed_for=confirmed),
    )
    assert response.status_code == 400
    assert "Alex Rivera (2 clients), Kim Lee (no clients)." in page_text(response)
    morgan.refresh_from_db()
    assert not morgan.is_active


def test_the_service_refuses_a_reactivation_without_the_confirmation(admin_user, morgan):
    with pytest.raises(ValidationError) as refused:
        services.user_update(actor=admin_user, user=morgan, is_active=True)
    assert "supervision_reopen_accepted" in refused.value.message_dict
    morgan.refresh_from_db()
    assert not morgan.is_active

    services.user_update(
        actor=admin_user, user=morgan, is_active=True, supervision_reopen_accepted=True
    )
    morgan.refresh_from_db()
    assert morgan.is_active
    assert _reopened_events().count() == 2


def test_a_supervisor_without_links_is_reactivated_without_a_tick(login, admin_user, clinic):
    lone = _named(make_user(clinic, "lone@test.invalid", Role.SUPERVISOR, is_active=False), "Lo")
    response = login(admin_user).post(_page(lone), _reactivate(lone))
    assert response.status_code == 302
    lone.refresh_from_db()
    assert lone.is_active


def test_reactivated_with_another_role_the_links_end_instead(login, admin_user, morgan):
    """A role change ends the links (the role-change tick); nothing reopens."""
    admin = login(admin_user)
    response = admin.post(_page(morgan), _reactivate(morgan, role=Role.THERAPIST))
    assert response.status_code == 400
    assert "End these supervision links" in page_text(response)
    assert "Open these supervision links again" not in page_text(response)
    confirmed = response.context["form"]["confirmed_for"].value()
    response = admin.post(
        _page(morgan),
        _reactivate(
            morgan, role=Role.THERAPIST, supervision_end_accepted="on", confirmed_for=confirmed
        ),
    )
    assert response.status_code == 302
    assert not SupervisionLink.objects.filter(supervisor=morgan).exists()
    assert not _reopened_events().exists()


def test_other_changes_of_an_inactive_supervisor_need_no_tick(login, admin_user, morgan):
    response = login(admin_user).post(
        _page(morgan), {"full_name": "Morgan Lee-Park", "role": Role.SUPERVISOR}
    )
    assert response.status_code == 302
    morgan.refresh_from_db()
    assert morgan.full_name == "Morgan Lee-Park" and not morgan.is_active
    assert SupervisionLink.objects.filter(supervisor=morgan).count() == 2
