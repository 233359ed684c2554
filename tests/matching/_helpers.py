"""Shared by the matching tests: a page's text, and an offer made through the page."""

from __future__ import annotations

import re

from rapport.matching.models import Referral, TherapistProfile

__all__ = ["offer_for_anxiety", "text"]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def offer_for_anxiety(login, referrer, colleague, client) -> Referral:
    """``referrer`` offers ``client`` to ``colleague`` (who works with anxiety) through the
    referral page, with the client's consent: the stored offer."""
    TherapistProfile.objects.create(user=colleague, focus_areas=["anxiety"])
    response = login(referrer).post(
        f"/clients/{client.pk}/referral/",
        {"focus_areas": ["anxiety"], "to_therapist": colleague.pk, "consent": "on"},
    )
    assert response.status_code == 302
    return Referral.objects.get()
