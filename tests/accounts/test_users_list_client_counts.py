"""The admin's users list counts each colleague's clients as their caseload does: current
clients (an open episode of care, or none started yet) apart from former ones (every
episode ended), labelled. One unlabelled total read "15" where the caseload showed 12."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role
from rapport.clinic.models import Episode, Phase
from rapport.clinic.selectors import caseload_for

pytestmark = pytest.mark.django_db


def _close(client) -> None:
    Episode.objects.filter(client=client).update(phase=Phase.CLOSED, ended_on=timezone.localdate())


def _clients_cell(page: str, email: str) -> str:
    row = re.search(rf"<tr><td>{re.escape(email)}</td>.*?</tr>", page, flags=re.S)
    assert row, email
    cells = re.findall(r"<td>(.*?)</td>", row.group(0), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", cells[4]).split())


def test_current_and_former_clients_are_counted_apart_as_on_the_caseload(
    login, admin_user, therapist_a
):
    make_client(therapist_a, "Ada A.")
    make_client(therapist_a, "Ben B.", with_episode=False)  # no episode yet: current
    _close(make_client(therapist_a, "Cy C."))
    # A closed episode and a later open one (a returning client): current.
    returning = make_client(therapist_a, "Di D.")
    _close(returning)
    Episode.objects.create(client=returning, started_on=timezone.localdate())

    page = login(admin_user).get(reverse("manage_users")).content.decode()

    assert _clients_cell(page, therapist_a.email) == "3 current, 1 former Move clients"
    assert len(caseload_for(therapist_a)) == 3
    assert len(caseload_for(therapist_a, former=True)) == 1


def test_only_former_clients_still_offer_the_move(login, admin_user, therapist_a):
    _close(make_client(therapist_a, "Cy C."))
    page = login(admin_user).get(reverse("manage_users")).content.decode()
    assert _clients_cell(page, therapist_a.email) == "1 former Move clients"


def test_no_clients_shows_a_dash(clinic, login, admin_user, therapist_a):
    make_client(therapist_a, "Ada A.")
    other = make_user(clinic, "idle@test.invalid", Role.THERAPIST)
    page = login(admin_user).get(reverse("manage_users")).content.decode()
    assert _clients_cell(page, other.email) == "—"
    assert _clients_cell(page, therapist_a.email) == "1 current Move clients"
