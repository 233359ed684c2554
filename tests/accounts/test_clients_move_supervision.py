"""Moving a colleague's clients says how their supervision changes: the old supervisor
must not silently lose sight of them. Staff names and counts only, never clients."""

from __future__ import annotations

import pytest
from tests.conftest import CANARY, make_client, make_user

from rapport.accounts.models import Role, SupervisionLink
from rapport.clinic.models import Client

pytestmark = pytest.mark.django_db


def _move_page(therapist) -> str:
    return f"/manage/users/{therapist.pk}/clients/"


def test_the_move_page_shows_who_supervises_the_leaving_therapist_and_each_colleague(
    login, admin_user, supervisor, therapist_a, therapist_b, client_a
):
    page = login(admin_user).get(_move_page(therapist_a)).content.decode()
    assert "therapist.a@test.invalid is supervised by Supervisor." in page
    assert "Therapist.B (no supervisor)</option>" in page
    assert "Supervisor (no supervisor)</option>" in page
    assert "Move them anyway" not in page  # nothing is chosen yet
    assert CANARY not in page


def test_a_move_that_leaves_the_old_supervisor_without_the_clients_asks_first(
    login, admin_user, supervisor, therapist_a, therapist_b, client_a
):
    make_client(therapist_a, "Second Client")
    http = login(admin_user)
    response = http.post(_move_page(therapist_a), {"to_user": therapist_b.pk})
    page = response.content.decode()
    assert response.status_code == 400
    assert set(Client.objects.filter(therapist=therapist_a)) == set(
        Client.objects.filter(clinic=therapist_a.clinic)
    )
    assert (
        "The 2 current clients are supervised now by Supervisor; once with Therapist.B, by nobody. "
        "Supervisor will no longer see them, nor their alerts and risk answers." in page
    )
    assert "Move them anyway" in page
    assert CANARY not in page and "Second Client" not in page

    # The page carries whom the warning was about: the browser sends it back with the tick.
    assert f'name="confirmed_for" value="{therapist_b.pk}"' in page
    response = http.post(
        _move_page(therapist_a),
        {
            "to_user": therapist_b.pk,
            "supervision_change_accepted": "on",
            "confirmed_for": therapist_b.pk,
        },
        follow=True,
    )
    page = response.content.decode()
    assert Client.objects.filter(therapist=therapist_b).count() == 2
    assert "Clients moved." in page
    assert (
        "The 2 current clients are now supervised by nobody (before: Supervisor). "
        "No longer seeing them: Supervisor; let them know." in page
    )
    assert CANARY not in page and "Second Client" not in page


def test_a_move_to_a_colleague_with_another_supervisor_asks_first_too(
    login, admin_user, clinic, supervisor, therapist_a, therapist_b, client_a
):
    other = make_user(clinic, "other.sup@test.invalid", Role.SUPERVISOR)
    SupervisionLink.objects.create(supervisor=other, supervisee=therapist_b)
    response = login(admin_user).post(_move_page(therapist_a), {"to_user": therapist_b.pk})
    assert response.status_code == 400
    assert "once with Therapist.B, by Other.Sup." in response.content.decode()
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a


def test_a_move_within_the_same_supervision_needs_no_confirmation(
    login, admin_user, supervisor, therapist_a, therapist_b, client_a
):
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    response = login(admin_user).post(
        _move_page(therapist_a), {"to_user": therapist_b.pk}, follow=True
    )
    page = response.content.decode()
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_b
    assert "Clients moved." in page and "now supervised by" not in page


def test_the_service_refuses_an_unconfirmed_change_of_supervision(
    admin_user, supervisor, therapist_a, therapist_b, client_a
):
    from django.core.exceptions import ValidationError

    from rapport.accounts.services import clients_move

    with pytest.raises(ValidationError) as refused:
        clients_move(actor=admin_user, from_user=therapist_a, to_user=therapist_b)
    assert "supervision_change_accepted" in refused.value.message_dict
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a
    assert (
        clients_move(
            actor=admin_user,
            from_user=therapist_a,
            to_user=therapist_b,
            supervision_change_accepted=True,
        )
        == 1
    )


def test_a_tick_given_under_one_colleagues_warning_does_not_move_them_to_another(
    login, admin_user, supervisor, therapist_a, therapist_b, client_a
):
    other = make_user(therapist_a.clinic, "other.t@test.invalid", Role.THERAPIST)
    http = login(admin_user)
    http.post(_move_page(therapist_a), {"to_user": therapist_b.pk})  # warned about B
    response = http.post(
        _move_page(therapist_a),
        {"to_user": other.pk, "supervision_change_accepted": "on", "confirmed_for": therapist_b.pk},
    )
    # Another colleague, another change of supervision: asked again, nothing moved.
    assert response.status_code == 400
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a
    assert f'name="confirmed_for" value="{other.pk}"' in response.content.decode()
