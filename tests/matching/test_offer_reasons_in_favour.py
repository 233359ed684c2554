"""Before accepting, the colleague offered a referral sees the fit and the reasons in its
favour only: never the client's unmet focus areas ("Does not list trauma") nor the C-NIP
leanings their style misses, which tell them more of the client than they need to decide.
Only those reasons are stored (data minimisation); the referring therapist still sees the
full reasons on the find page, ranked afresh (docs/matching.md)."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.utils import timezone

from rapport.matching.models import Referral, TherapistProfile
from rapport.measures.services import response_record

pytestmark = pytest.mark.django_db

# What the ranking says against B, or of the client's leanings: never on B's offer page.
UNMET = ("Does not list", "trauma", "Trauma", "prefers", "Against:", "Unknown:", "− ")


def cnip_strongly_warm(client) -> None:
    """A C-NIP with every warm-support item at -3 (strongly prefers warm support)."""
    answers = {f"cnip_{n}": 0 for n in range(1, 19)}
    answers.update({f"cnip_{n}": -3 for n in range(15, 19)})
    response_record(
        client=client,
        instrument_id="cnip",
        answers=answers,
        source="import",
        idempotency_key=f"cnip-{client.pk}",
        administered_at=timezone.now(),
    )


@pytest.fixture
def offered(login, therapist_a, therapist_b, client_a):
    """Therapist A offers client A (anxiety and trauma, strongly preferring warm support) to
    B, who works with anxiety only and leans to focused challenge."""
    TherapistProfile.objects.create(
        user=therapist_b,
        focus_areas=["anxiety"],
        languages=["en"],
        style_warm_support=2,
        accepting_referrals=True,
    )
    TherapistProfile.objects.create(user=therapist_a, focus_areas=["anxiety"])
    cnip_strongly_warm(client_a)
    http = login(therapist_a)
    find = http.get(f"/clients/{client_a.pk}/referral/?focus_areas=anxiety&focus_areas=trauma")
    # The referring therapist keeps the full reasons, for and against.
    ranked = find.content.decode()
    assert "Does not list trauma" in ranked
    assert "Leans to focused challenge; the client strongly prefers warm support" in ranked
    response = http.post(
        f"/clients/{client_a.pk}/referral/",
        {
            "focus_areas": ["anxiety", "trauma"],
            "language": "",
            "to_therapist": therapist_b.pk,
            "consent": "on",
        },
    )
    assert response.status_code == 302
    return Referral.objects.get()


def test_only_the_reasons_in_favour_are_stored(offered):
    assert offered.reasons == [["Works with anxiety", True]]
    assert offered.fit is not None and 0 < offered.fit < 1


def test_the_colleague_sees_the_fit_and_the_reasons_in_favour_only(login, therapist_b, offered):
    html = login(therapist_b).get("/referrals/").content.decode()
    text = re.sub(r"\s+", " ", html.split(f'id="referral-{offered.pk}"', 1)[1])
    assert "Works with anxiety" in text
    assert f"fit {offered.fit:.2f}" in text
    for word in UNMET:
        assert word not in html, word  # nor anywhere in the page's HTML


def test_a_referral_stored_with_every_reason_shows_only_those_in_favour(
    login, therapist_a, therapist_b, client_a
):
    """A row kept before only the reasons in favour were stored shows no more."""
    referral = Referral.objects.create(
        client=client_a,
        from_therapist=therapist_a,
        to_therapist=therapist_b,
        focus_areas=["anxiety", "trauma"],
        fit=0.4,
        reasons=[
            ["Works with anxiety", True],
            ["Does not list trauma", False],
            ["Leans to focused challenge; the client strongly prefers warm support", False],
            ["Style on emotional intensity not given; the client prefers intensity", None],
        ],
        consent_recorded_at=timezone.now(),
    )
    html = login(therapist_b).get("/referrals/").content.decode()
    assert f'id="referral-{referral.pk}"' in html
    assert "Works with anxiety" in html and "fit 0.40" in html
    for word in UNMET:
        assert word not in html, word


def test_the_migration_trims_stored_rows_to_the_reasons_in_favour(
    therapist_a, therapist_b, client_a
):
    referral = Referral.objects.create(
        client=client_a,
        from_therapist=therapist_a,
        to_therapist=therapist_b,
        reasons=[["Works with anxiety", True], ["Does not list trauma", False], ["x", None]],
        consent_recorded_at=timezone.now(),
    )
    migration = importlib.import_module(
        "rapport.matching.migrations.0002_referral_reasons_in_favour_only"
    )
    migration.keep_reasons_in_favour(apps, None)
    referral.refresh_from_db()
    assert referral.reasons == [["Works with anxiety", True]]
