"""An answer to a referral offer that is no longer open (a double click, two tabs, a page
left open while the referrer withdrew) says what became of the offer and changes nothing,
instead of a bare "not found"; nobody else learns anything of it."""

from __future__ import annotations

import pytest

from rapport.accounts.models import AccessNotice, Role
from rapport.audit.models import AuditEvent
from rapport.clinic.models import Client
from rapport.matching.models import ReferralStatus
from tests.conftest import make_user
from tests.matching._helpers import offer_for_anxiety, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(login, therapist_a, therapist_b, client_a):
    return offer_for_anxiety(login, therapist_a, therapist_b, client_a)


def answer(http, referral, decision, reason=""):
    return http.post(
        "/referrals/respond/",
        {"referral": referral.pk, "decision": decision, "reason": reason},
        follow=True,
    )


def test_a_second_accept_says_it_was_accepted_and_moves_nothing(
    login, therapist_b, client_a, offered
):
    http = login(therapist_b)
    first = answer(http, offered, "accept")
    assert first.redirect_chain == [(f"/clients/{client_a.pk}/", 302)]
    again = answer(http, offered, "accept")
    assert again.status_code == 200
    assert again.redirect_chain == [("/referrals/", 302)]
    assert "You already accepted this referral: nothing changed." in text(again)
    assert AuditEvent.objects.filter(target__startswith="client:therapist:").count() == 1
    assert AccessNotice.objects.count() == 2


def test_declining_twice_says_it_was_declined(login, therapist_b, offered):
    http = login(therapist_b)
    answer(http, offered, "decline", "My caseload is full.")
    # The second click of Decline, or Accept in a tab left open.
    for decision, reason in (("decline", "My caseload is full."), ("accept", "")):
        again = answer(http, offered, decision, reason)
        assert again.redirect_chain == [("/referrals/", 302)]
        assert "You already declined this referral: nothing changed." in text(again)
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.DECLINED


def test_an_answer_after_a_withdrawal_says_the_referrer_withdrew(
    login, therapist_a, therapist_b, client_a, offered
):
    login(therapist_a).post(f"/clients/{client_a.pk}/referral/withdraw/")
    http = login(therapist_b)
    # Declining without a reason, the form's own error, is not what they need to hear.
    for decision in ("accept", "decline"):
        late = answer(http, offered, decision)
        assert late.redirect_chain == [("/referrals/", 302)]
        assert "The referring colleague withdrew this referral before you answered" in text(late)
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.WITHDRAWN
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_a


def test_someone_else_learns_nothing_of_an_answered_offer(
    login, therapist_a, therapist_b, clinic, offered
):
    answer(login(therapist_b), offered, "decline", "My caseload is full.")
    someone = make_user(clinic, "someone@test.invalid", Role.THERAPIST)
    for user in (someone, therapist_a):
        response = login(user).post(
            "/referrals/respond/", {"referral": offered.pk, "decision": "accept"}
        )
        assert response.status_code == 404


def test_a_withdrawal_after_the_accept_says_the_colleague_accepted(
    login, therapist_a, therapist_b, client_a, offered
):
    answer(login(therapist_b), offered, "accept")
    http = login(therapist_a)
    late = http.post(f"/clients/{client_a.pk}/referral/withdraw/", follow=True)
    assert late.redirect_chain == [("/referrals/", 302)]
    assert "Therapist.B had already accepted the referral: the client is with them now." in text(
        late
    )
    offered.refresh_from_db()
    assert offered.status == ReferralStatus.ACCEPTED
    assert Client.objects.get(pk=client_a.pk).therapist == therapist_b
    # Nothing more than that: the client's page stays out of reach, and a GET is a 404.
    assert http.get(f"/clients/{client_a.pk}/").status_code == 404
    assert http.get(f"/clients/{client_a.pk}/referral/withdraw/").status_code == 404


def test_a_withdrawal_of_someone_elses_client_is_still_a_404(login, clinic, client_a, offered):
    someone = make_user(clinic, "someone2@test.invalid", Role.THERAPIST)
    assert login(someone).post(f"/clients/{client_a.pk}/referral/withdraw/").status_code == 404


def test_a_referrer_who_supervises_the_colleague_is_told_too(
    login, therapist_a, therapist_b, client_a, offered
):
    from rapport.accounts.models import SupervisionLink

    therapist_a.role = Role.SUPERVISOR
    therapist_a.save()
    SupervisionLink.objects.create(supervisor=therapist_a, supervisee=therapist_b)
    answer(login(therapist_b), offered, "accept")
    late = login(therapist_a).post(f"/clients/{client_a.pk}/referral/withdraw/", follow=True)
    assert late.redirect_chain == [("/referrals/", 302)]
    assert "Therapist.B had already accepted the referral" in text(late)
