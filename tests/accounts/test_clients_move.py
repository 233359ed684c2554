"""A colleague leaves: the admin moves all their clients to another, seeing only how many."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY, make_client

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Client

pytestmark = pytest.mark.django_db


def test_the_admin_moves_a_leaving_therapists_clients_without_seeing_them(
    login, admin_user, therapist_a, therapist_b, client_a
):
    second = make_client(therapist_a, "Second Client")
    http = login(admin_user)
    listing = http.get("/manage/users/").content.decode()
    assert f'href="/manage/users/{therapist_a.pk}/clients/"' in listing
    page = http.get(f"/manage/users/{therapist_a.pk}/clients/").content.decode()
    assert "has 2 current clients." in page
    assert '<button type="submit" class="primary">Move clients</button>' in page
    assert CANARY not in page and "Second Client" not in page  # a count, never who

    response = http.post(f"/manage/users/{therapist_a.pk}/clients/", {"to_user": therapist_b.pk})

    assert response.status_code == 302
    assert set(Client.objects.filter(therapist=therapist_b)) == {client_a, second}
    moved = AuditEvent.objects.filter(actor=admin_user, action="update", client_id__isnull=False)
    assert sorted(moved.values_list("client_id", flat=True)) == sorted([client_a.pk, second.pk])
    # The new therapist sees them; the old one no longer does.
    assert "Second Client" in login(therapist_b).get("/caseload/").content.decode()
    assert "Second Client" not in login(therapist_a).get("/caseload/").content.decode()


def test_clients_go_only_to_an_active_clinician_of_the_clinic(
    login, admin_user, therapist_a, client_a
):
    from rapport.accounts.models import Role, User

    idle = User.objects.create_user(
        email="idle@test.invalid",
        password="x" * 20,
        clinic=therapist_a.clinic,
        role=Role.THERAPIST,
        is_active=False,
    )
    http = login(admin_user)
    for target in (idle, admin_user, therapist_a):
        response = http.post(f"/manage/users/{therapist_a.pk}/clients/", {"to_user": target.pk})
        assert response.status_code == 400
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a


def test_only_an_admin_moves_clients(login, therapist_a, therapist_b, client_a):
    response = login(therapist_b).post(
        f"/manage/users/{therapist_a.pk}/clients/", {"to_user": therapist_b.pk}
    )
    assert response.status_code == 403
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a


def test_the_edit_page_of_a_therapist_with_clients_says_to_move_them_before_deactivating(
    login, admin_user, therapist_a, therapist_b, client_a
):
    http = login(admin_user)
    page = http.get(f"/manage/users/{therapist_a.pk}/").content.decode()
    assert (
        "has 1 current client. Move the client to a colleague before making this account inactive"
        in page
    )
    assert f'href="/manage/users/{therapist_a.pk}/clients/">Move clients</a>' in page
    assert CANARY not in page  # a count, never who
    without_clients = http.get(f"/manage/users/{therapist_b.pk}/").content.decode()
    assert "before making this account inactive" not in without_clients
