"""With several offers on the referrals page, each Accept, Decline and reason box is named
for its client (for a screen reader's list of buttons and fields, where every one read
just "Accept")."""

from __future__ import annotations

import re

import pytest

from rapport.matching.models import TherapistProfile
from tests.conftest import make_client

pytestmark = pytest.mark.django_db


def names(html: str, tag: str) -> list[str]:
    found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in found]


def test_each_offers_controls_name_its_client(login, therapist_a, therapist_b, client_a):
    TherapistProfile.objects.create(user=therapist_b, focus_areas=["anxiety"])
    second = make_client(therapist_a, "Bo B.")
    http = login(therapist_a)
    for client in (client_a, second):
        response = http.post(
            f"/clients/{client.pk}/referral/",
            {"focus_areas": ["anxiety"], "to_therapist": therapist_b.pk, "consent": "on"},
        )
        assert response.status_code == 302
    page = login(therapist_b).get("/referrals/").content.decode()
    buttons = [n for n in names(page, "button") if n.startswith(("Accept", "Decline"))]
    assert sorted(buttons) == sorted(
        [
            f"Accept the referral of {client_a.display_name}",
            f"Decline the referral of {client_a.display_name}",
            "Accept the referral of Bo B.",
            "Decline the referral of Bo B.",
        ]
    )
    labels = [n for n in names(page, "label") if n.startswith("Why you decline")]
    assert sorted(labels) == sorted(
        [
            f"Why you decline the referral of {client_a.display_name}",
            "Why you decline the referral of Bo B.",
        ]
    )
