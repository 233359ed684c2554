"""A former client's page does not give present-tense advice about their sessions (staff
review finding 22): with every episode ended, the preferences panel said "Talk them through
with the client and tailor how sessions run", as if sessions were still going on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from tests.measures._helpers import answers_for

from rapport.clinic.models import Phase
from rapport.measures.services import response_record

pytestmark = pytest.mark.django_db

NOW = "Talk them through with the client and tailor how sessions run"
IF_BACK = "If the client comes back, talk them through and tailor how sessions run"


def strong_preference(client) -> None:
    response_record(
        client=client,
        instrument_id="cnip",
        answers=answers_for("cnip", [-3, -3, -2, -2, -1, -1] + [0] * 12),
        source="import",
        idempotency_key="cnip-1",
        administered_at=datetime(2026, 2, 9, tzinfo=UTC),
    )


def panel(page: str) -> str:
    start = page.index('id="preferences-h"')
    return page[start : page.index("</section>", start)]


def test_an_ended_clients_preferences_advise_for_when_they_come_back(login, therapist_a, client_a):
    strong_preference(client_a)
    episode = client_a.episodes.get()
    episode.phase = Phase.CLOSED
    episode.ended_on = timezone.localdate() - timedelta(days=1)
    episode.end_reason = "planned"
    episode.save()
    shown = panel(login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode())
    assert "Strong preferences:</strong> Therapist directiveness." in shown
    assert IF_BACK in shown
    assert NOW not in shown


def test_a_current_clients_preferences_keep_the_advice_for_now(login, therapist_a, client_a):
    strong_preference(client_a)
    shown = panel(login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode())
    assert NOW in shown and IF_BACK not in shown
