"""Periodic work: recompute every open episode's alerts.

Alerts already follow each new response and attendance change through the hooks; the
periodic run catches what time alone changes (check-ins becoming overdue, snoozes ending,
a calibration stored) and anything a failed hook missed. It needs no worker service: cron
(or any scheduler) runs ``rapport recompute-alerts``; see docs/monitoring.md::

    17 * * * *  rapport recompute-alerts --quiet

Each batch of episodes is one transaction, so a long run never holds a lock for long and a
crash loses at most one batch (the next run redoes it).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from rapport.clinic.models import Episode, Phase
from rapport.monitoring.models import ACTIVE_STATUSES, Alert
from rapport.monitoring.services import SyncResult, alerts_recompute_many

__all__ = ["BATCH_SIZE", "recompute_alerts"]

BATCH_SIZE = 200


def recompute_alerts(
    *,
    now: dt.datetime | None = None,
    clinic_id: int | None = None,
    client_id: int | None = None,
    batch_size: int = BATCH_SIZE,
    actor=None,
) -> SyncResult:
    """Recompute alerts for every open episode (and close those of ended episodes)."""
    now = now or timezone.now()
    has_active = Exists(Alert.objects.filter(episode=OuterRef("pk"), status__in=ACTIVE_STATUSES))
    episodes = Episode.objects.filter(~Q(phase=Phase.CLOSED) | Q(has_active))
    if clinic_id is not None:
        episodes = episodes.filter(client__clinic_id=clinic_id)
    if client_id is not None:
        episodes = episodes.filter(client_id=client_id)
    ids = list(episodes.order_by("pk").values_list("pk", flat=True))
    result = SyncResult()
    # Per-clinic calibrations, read once for the whole run.
    trajectories: dict = {}
    dropout_models: dict = {}
    for start in range(0, len(ids), batch_size):
        batch = list(
            Episode.objects.filter(pk__in=ids[start : start + batch_size])
            .select_related("client", "client__therapist")
            .order_by("pk")
        )
        result.add(
            alerts_recompute_many(
                episodes=batch,
                now=now,
                actor=actor,
                trajectories=trajectories,
                dropout_models=dropout_models,
            )
        )
    return result
