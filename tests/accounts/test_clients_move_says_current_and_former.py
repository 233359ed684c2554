"""The admin's "Move clients" page says how many of the colleague's clients are current and
how many former, as the users list does: it said "has 15 clients" where the therapist's
caseload listed 12 (the 3 former ones are under "Show former clients"). All of them still
move, former ones included."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.accounts._helpers import visible_text
from tests.conftest import CANARY, make_client

from rapport.accounts.forms import client_counts_text
from rapport.accounts.selectors import ClientCounts
from rapport.clinic.models import Client, Episode, Phase

pytestmark = pytest.mark.django_db


def _close(client) -> None:
    Episode.objects.filter(client=client).update(phase=Phase.CLOSED, ended_on=timezone.localdate())


def _caseload_of(therapist_a, current: int, former: int) -> list[Client]:
    made = [make_client(therapist_a, f"Current {n}") for n in range(current)]
    for n in range(former):
        gone = make_client(therapist_a, f"Former {n}")
        _close(gone)
        made.append(gone)
    return made


def test_the_move_page_counts_current_and_former_clients_apart(
    login, admin_user, therapist_a, therapist_b
):
    moving = _caseload_of(therapist_a, current=2, former=3)
    http = login(admin_user)
    url = f"/manage/users/{therapist_a.pk}/clients/"

    text = visible_text(http.get(url))

    assert f"{therapist_a.email} has 2 current and 3 former clients. Their new therapist" in text
    assert "5 clients" not in text
    assert CANARY not in text and "Former 0" not in text  # counts, never who
    # What moves is unchanged: every client, the former ones too.
    assert http.post(url, {"to_user": therapist_b.pk}).status_code == 302
    assert set(Client.objects.filter(therapist=therapist_b)) == set(moving)


def test_a_move_that_changes_supervision_counts_them_apart_before_and_after(
    login, admin_user, supervisor, therapist_a, therapist_b
):
    _caseload_of(therapist_a, current=1, former=1)

    http = login(admin_user)
    url = f"/manage/users/{therapist_a.pk}/clients/"
    page = http.post(url, {"to_user": therapist_b.pk})

    assert page.status_code == 400
    assert (
        "The 1 current and 1 former client are supervised now by Supervisor; once with"
        in visible_text(page)
    )
    tick = {"to_user": therapist_b.pk, "supervision_change_accepted": "on"}
    done = http.post(url, {**tick, "confirmed_for": therapist_b.pk}, follow=True)
    assert "The 1 current and 1 former client are now supervised by nobody" in visible_text(done)


def test_the_edit_page_counts_them_apart_too(login, admin_user, therapist_a):
    _caseload_of(therapist_a, current=0, former=2)
    text = visible_text(login(admin_user).get(f"/manage/users/{therapist_a.pk}/"))
    assert f"{therapist_a.email} has 2 former clients. Move them to a colleague" in text


@pytest.mark.parametrize(
    ("current", "former", "said"),
    [
        (12, 3, "12 current and 3 former clients"),
        (1, 1, "1 current and 1 former client"),
        (12, 1, "12 current and 1 former client"),
        (1, 3, "1 current and 3 former clients"),
        (1, 0, "1 current client"),
        (2, 0, "2 current clients"),
        (0, 1, "1 former client"),
        (0, 4, "4 former clients"),
        (0, 0, "no clients"),
    ],
)
def test_the_counts_are_said_with_the_right_plurals(current, former, said):
    assert client_counts_text(ClientCounts(current=current, former=former)) == said
