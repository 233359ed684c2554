"""Clinical facts an admin must never learn (DESIGN §5), made for the account tests: an
alert and a risk answer (PHQ-9 item 9) on a synthetic client."""

from __future__ import annotations

from django.utils import timezone

from rapport.clinic.models import Client
from rapport.measures.models import Response
from rapport.monitoring.models import Alert, AlertStatus


def alert(client: Client, *, kind="alliance_low", status=AlertStatus.OPEN) -> Alert:
    now = timezone.now()
    return Alert.objects.create(
        client=client,
        episode=client.episodes.get(),
        kind=kind,
        status=status,
        severity="high",
        signal_key=f"{kind}:{status}:{client.pk}",
        explanation="Synthetic.",
        source="Synthetic.",
        first_detected_at=now,
        last_detected_at=now,
    )


def risk_answer(client: Client, key: str, *, reviewed=False) -> Response:
    """A PHQ-9 answered at risk on item 9."""
    return Response.objects.create(
        client=client,
        episode=client.episodes.get(),
        instrument_id="phq9",
        instrument_version="1",
        administered_at=timezone.now(),
        source="api",
        idempotency_key=key,
        item_values={"phq9_9": 2},
        risk_flags=["phq9_9"],
        risk_reviewed_at=timezone.now() if reviewed else None,
    )
