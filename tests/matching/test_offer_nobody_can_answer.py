"""An open referral to a colleague who can no longer answer it (account deactivated, made
an admin) would leave the client waiting on an offer nobody sees: the referrer's panel says
so and points to Withdraw."""

from __future__ import annotations

import pytest

from rapport.accounts.models import Role
from tests.matching._helpers import offer_for_anxiety, text

pytestmark = pytest.mark.django_db

WARNING = "cannot answer it any more"


@pytest.fixture
def offered(login, therapist_a, therapist_b, client_a):
    return offer_for_anxiety(login, therapist_a, therapist_b, client_a)


def test_an_offer_the_colleague_can_answer_has_no_warning(login, therapist_a, client_a, offered):
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/"))
    assert "waiting for their answer" in page
    assert WARNING not in page


@pytest.mark.parametrize(
    "change", [{"is_active": False}, {"role": Role.ADMIN}], ids=["deactivated", "made-admin"]
)
def test_an_offer_to_a_colleague_who_cannot_answer_says_so(
    login, therapist_a, therapist_b, client_a, offered, change
):
    for field, value in change.items():
        setattr(therapist_b, field, value)
    therapist_b.save()
    page = text(login(therapist_a).get(f"/clients/{client_a.pk}/"))
    assert (
        "Therapist.B cannot answer it any more: their account was deactivated or no longer "
        "takes clients. Withdraw the referral; the client stays with you" in page
    )
    assert "Withdraw the referral</button>" in page
