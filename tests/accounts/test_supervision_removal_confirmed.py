"""Removing a supervision link takes a page that says what it does before it is done:
the supervisor stops seeing the supervisee's clients, alerts and risk answers; the
supervisee is told; and whether anyone still supervises them, said plainly for a trainee
left with no supervisor. Only the POST from that page removes the link, audited and
notified as before; the list's "Remove" is a link to the page, no longer a one-click form."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.accounts._helpers import visible_text
from tests.conftest import make_user

from rapport.accounts.models import AccessNotice, AccessNoticeKind, Role, SupervisionLink, User
from rapport.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _named(user: User, name: str, **extra) -> User:
    user.full_name = name
    for field, value in extra.items():
        setattr(user, field, value)
    user.save()
    return user


@pytest.fixture
def morgan(clinic):
    return _named(make_user(clinic, "morgan@test.invalid", Role.SUPERVISOR), "Morgan Lee")


@pytest.fixture
def sam(clinic):
    return _named(
        make_user(clinic, "sam@test.invalid", Role.THERAPIST), "Sam Okafor", is_trainee=True
    )


@pytest.fixture
def link(morgan, sam):
    return SupervisionLink.objects.create(supervisor=morgan, supervisee=sam)


def test_the_list_offers_remove_as_a_link_to_a_page_not_a_one_click_form(login, admin_user, link):
    page = login(admin_user).get(reverse("manage_supervision")).content.decode()
    url = reverse("manage_supervision_delete", args=[link.pk])
    assert f'<a href="{url}">Remove' in page
    assert f'action="{url}"' not in page


def test_the_page_says_what_removing_does_and_removes_nothing(login, admin_user, link):
    response = login(admin_user).get(reverse("manage_supervision_delete", args=[link.pk]))
    text = visible_text(response)
    assert response.status_code == 200
    assert "Remove Morgan Lee's supervision of Sam Okafor?" in text
    assert (
        "Morgan Lee will no longer see Sam Okafor's clients, their alerts or their risk answers."
    ) in text
    assert "Sam Okafor is told, on their caseload" in text
    assert (
        "Sam Okafor is a trainee therapist with no other supervisor: without this link, no "
        "supervisor sees their clients, their alerts or their risk answers."
    ) in text
    assert '<button type="submit" class="primary">Remove supervision link</button>' in (
        response.content.decode()
    )
    # Only looking: the link stays, nobody is told, nothing is recorded as deleted.
    assert SupervisionLink.objects.filter(pk=link.pk).exists()
    assert not AccessNotice.objects.exists()
    assert not AuditEvent.objects.filter(action="delete").exists()


def test_the_page_names_who_still_supervises(clinic, login, admin_user, link, sam):
    other = _named(make_user(clinic, "ria@test.invalid", Role.SUPERVISOR), "Ria Stone")
    SupervisionLink.objects.create(supervisor=other, supervisee=sam)
    text = visible_text(login(admin_user).get(reverse("manage_supervision_delete", args=[link.pk])))
    assert "Sam Okafor is still supervised by Ria Stone." in text
    assert "no other supervisor" not in text


def test_a_therapist_not_in_training_left_unsupervised_is_said_so_too(login, admin_user, link, sam):
    _named(sam, "Sam Okafor", is_trainee=False)
    text = visible_text(login(admin_user).get(reverse("manage_supervision_delete", args=[link.pk])))
    assert "Sam Okafor has no other supervisor: without this link" in text
    assert "trainee" not in text


def test_the_post_removes_it_audits_tells_and_says_the_trainee_is_unsupervised(
    client, login, admin_user, link, morgan, sam
):
    response = login(admin_user).post(
        reverse("manage_supervision_delete", args=[link.pk]), follow=True
    )
    assert not SupervisionLink.objects.filter(pk=link.pk).exists()
    assert AuditEvent.objects.filter(
        action="delete", target=f"supervision:{link.pk}:user:{morgan.pk}->user:{sam.pk}"
    ).exists()
    notice = AccessNotice.objects.get(user=sam)
    assert notice.kind == AccessNoticeKind.SUPERVISION_REMOVED
    assert (
        "Morgan Lee no longer supervises Sam Okafor; Sam Okafor has been told. Sam Okafor is "
        "a trainee therapist and now has no supervisor."
    ) in visible_text(response)


def test_a_link_of_another_clinic_is_not_found(login, link):
    from rapport.clinic.models import Clinic

    elsewhere = make_user(Clinic.objects.create(name="Elsewhere"), "a@else.invalid", Role.ADMIN)
    response = login(elsewhere).get(reverse("manage_supervision_delete", args=[link.pk]))
    assert response.status_code == 404
