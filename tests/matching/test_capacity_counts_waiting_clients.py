"""A colleague's capacity counts their current clients as their caseload does: an open
episode, or none started yet. A client added and waiting for their first session takes a
place; a former client does not. Counting open episodes only, a colleague full of new
clients was still offered referrals."""

from __future__ import annotations

import pytest
from django.utils import timezone

from rapport.clinic.selectors import caseload_for
from rapport.matching.models import TherapistProfile
from rapport.matching.selectors import candidates_for
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def test_a_client_waiting_to_start_takes_a_place(login, therapist_a, therapist_b, client_a):
    TherapistProfile.objects.create(user=therapist_b, focus_areas=["anxiety"], capacity=2)
    make_client(therapist_b, "In therapy")
    make_client(therapist_b, "Waiting to start", with_episode=False)
    former = make_client(therapist_b, "Former")
    former.episodes.update(phase="closed", ended_on=timezone.localdate())
    # The colleague's own caseload lists two current clients: the ranking counts the same.
    assert len(caseload_for(therapist_b)) == 2
    candidates, _ = candidates_for(client_a)
    assert [(c.caseload, c.capacity) for c in candidates] == [(2, 2)]
    page = login(therapist_a).get(f"/clients/{client_a.pk}/referral/?focus_areas=anxiety")
    text = " ".join(page.content.decode().split())
    assert "Therapist.B: At capacity (2 of 2 clients)" in text
    assert 'name="to_therapist"' not in text
