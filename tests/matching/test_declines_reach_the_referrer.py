"""A colleague's decline reaches the referrer on their caseload until they read it (the
client page's referral section, or the referrals page): the client agreed to move and
stays, and should hear so. Before, only an accept was told; a decline waited on pages the
referrer had no reason to open."""

from __future__ import annotations

import pytest

from rapport.matching.models import Referral, TherapistProfile
from tests.matching._helpers import offer_for_anxiety, text

pytestmark = pytest.mark.django_db

LINE = "A colleague declined a referral you made: the client stays with you; let them know."


@pytest.fixture
def declined(login, therapist_a, therapist_b, client_a):
    referral = offer_for_anxiety(login, therapist_a, therapist_b, client_a)
    login(therapist_b).post(
        "/referrals/respond/",
        {"referral": referral.pk, "decision": "decline", "reason": "My caseload is full."},
    )
    referral.refresh_from_db()
    assert referral.status == "declined"
    return referral


def test_an_open_offer_says_nothing_of_a_decline(login, therapist_a, therapist_b, client_a):
    TherapistProfile.objects.create(user=therapist_b, focus_areas=["anxiety"])
    http = login(therapist_a)
    http.post(
        f"/clients/{client_a.pk}/referral/",
        {"focus_areas": ["anxiety"], "to_therapist": therapist_b.pk, "consent": "on"},
    )
    assert "declined a referral" not in text(http.get("/caseload/"))


def test_the_caseload_says_so_until_the_client_page_is_read(login, therapist_a, client_a, declined):
    http = login(therapist_a)
    page = text(http.get("/caseload/"))
    assert LINE in page and 'href="/referrals/#outgoing-h">See why</a>' in page
    # Still said on the next visit: nothing read yet.
    assert LINE in text(http.get("/caseload/"))
    client_page = text(http.get(f"/clients/{client_a.pk}/"))
    assert "declined the referral on" in client_page and "My caseload is full." in client_page
    declined.refresh_from_db()
    assert declined.decline_seen_at is not None
    assert "declined a referral" not in text(http.get("/caseload/"))


def test_the_referrals_page_reads_it_too(login, therapist_a, declined):
    http = login(therapist_a)
    assert "My caseload is full." in text(http.get("/referrals/"))
    assert "declined a referral" not in text(http.get("/caseload/"))


def test_the_colleague_who_declined_is_not_told(login, therapist_b, declined):
    assert "declined a referral" not in text(login(therapist_b).get("/caseload/"))


@pytest.mark.django_db(transaction=True)
def test_declines_answered_before_the_migration_count_as_seen_and_it_goes_back(
    therapist_a, therapist_b, client_a
):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    answered = timezone.now()
    referral = Referral.objects.create(
        client=client_a,
        from_therapist=therapist_a,
        to_therapist=therapist_b,
        status="declined",
        responded_at=answered,
        consent_recorded_at=answered,
        decline_reason="Full.",
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("matching", "0002_referral_reasons_in_favour_only")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    referral.refresh_from_db()
    assert referral.decline_seen_at == answered
    assert not Referral.objects.filter(decline_seen_at__isnull=True).exists()
    # Back and forth again: reversible.
    executor = MigrationExecutor(connection)
    executor.migrate([("matching", "0002_referral_reasons_in_favour_only")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
