"""Periodic work: recompute every open episode's alerts.

Alerts already follow each new response and attendance change through the hooks; the
periodic run catches what time alone changes (check-ins becoming overdue, snoozes ending,
a calibration stored) and anything a failed hook missed. It needs no worker service: cron
(or any scheduler) runs ``rapport recompute-alerts``; see docs/monitoring.md::

    17 * * * *  rapport recompute-alerts --quiet

Each batch of episodes is one transaction, so a long run never holds a lock for long and a
crash loses at most one batch (the next run redoes it). A client's check-in on one of the
batch's episodes waits for the whole batch (``services.alerts_recompute_many`` locks them:
what the race fixes need), so the batch's series and signals are built first, with no lock
(``services.alerts_prepare``); under the locks the recompute reads only what each series was
built from and builds again the few that changed meanwhile, then writes. See ``BATCH_SIZE``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from rapport.clinic.models import Clinic, Episode, Phase
from rapport.monitoring.freshness import record_recompute
from rapport.monitoring.models import ACTIVE_STATUSES, Alert
from rapport.monitoring.services import SyncResult, alerts_prepare, alerts_recompute_many

__all__ = ["BATCH_SIZE", "recompute_alerts"]

#: Episodes per transaction. A client's check-in submit locks its episode
#: (``clinic.services.locked_appointment``) and so waits while the batch holding that
#: episode is recomputed. Measured 2026-12-07 on PostgreSQL 15 (2 shared cores, 40 sessions
#: and 80 responses an episode): a batch of 200 held its locks 2.1-3.4 s, one of 25
#: 0.13-0.30 s, and the whole run was no slower in batches of 25 (2.6 s against 3.8 s for
#: 400 episodes). On SQLite, where a transaction holds the file's write lock, 3.2 s against
#: 0.24-0.43 s. Under half a second is a pause the client does not notice. At 100 sessions
#: an episode a batch of 25 held them 0.8-1.0 s on average while its detectors ran; since the
#: batch is built before it is locked (``alerts_prepare``), 0.09 s on PostgreSQL and 0.21 s on
#: SQLite (``python bench/bench_signals.py --recompute``, docs/monitoring.md).
BATCH_SIZE = 25


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
        prepared = alerts_prepare(
            episodes=batch, now=now, trajectories=trajectories, dropout_models=dropout_models
        )
        result.add(
            alerts_recompute_many(
                episodes=batch,
                now=now,
                actor=actor,
                trajectories=trajectories,
                dropout_models=dropout_models,
                prepared=prepared,
            )
        )
    if client_id is None:
        # Every open episode of these clinics is now judged as of ``now``: what time alone
        # changes is fresh. Recorded so the pages can say when it stops (freshness.py).
        record_recompute(
            clinic_ids=[clinic_id]
            if clinic_id is not None
            else Clinic.objects.order_by("pk").values_list("pk", flat=True)
        )
    return result
