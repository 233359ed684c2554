"""Rapport's own session check-in is a feedback tool, not a validated measure
(``validated: false`` in its definition): the client page says so beside its scores."""

from __future__ import annotations

import pytest
from django.utils import timezone
from tests.checkins._helpers import appointment_of

from rapport.measures.services import response_record

NOTE = "not a validated measure: read the scores as a conversation starter"


def record(client, instrument_id, answers, key):
    response_record(
        client=client,
        instrument_id=instrument_id,
        answers=answers,
        source="link",
        idempotency_key=key,
        administered_at=timezone.now(),
        appointment=appointment_of(client),
        actor="client-link",
    )


def section(page: str, instrument_id: str) -> str:
    start = page.index(f'id="series-{instrument_id}"')
    return page[start : page.index("</table>", start)]


@pytest.mark.django_db
def test_the_session_checkin_scores_say_it_is_not_a_validated_measure(login, therapist_a, client_a):
    scales = {"goals": 8, "approach": 7, "relationship": 9, "overall": 8, "pushed": 0}
    record(client_a, "session-checkin", scales, "checkin")
    record(client_a, "phq9", {f"phq9_{n}": 1 for n in range(1, 10)}, "phq9")
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert NOTE in section(page, "session-checkin")
    # Driven by the definition's flag: a validated measure carries no such note.
    assert NOTE not in section(page, "phq9")
    assert page.count(NOTE) == 1
