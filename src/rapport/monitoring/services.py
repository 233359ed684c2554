"""Writes of monitoring data: alerts follow the signals; therapists act on them.

* ``alerts_recompute_episode`` / ``alerts_recompute_many``: run the detectors and bring the
  episode's alerts in line (create, update, resolve when the signal clears, re-open after a
  snooze). Called by the response and attendance hooks, and by the periodic recompute, which
  first builds each batch's series and signals without locks (``alerts_prepare``).
* ``alert_acknowledge``, ``alert_log_action``, ``alert_dismiss``, ``alert_snooze``: the
  therapist's side of the lifecycle (see ``models.Alert``). Given the alert's version as
  the page showed it (``shown``, from ``alert_version``), each refuses with
  :class:`AlertChanged` if the alert says something else now.
* ``trajectory_calibration_store``: a clinic's re-estimated expected-response parameters.
* ``dropout_calibration_store``: a clinic's recalibrated dropout model.

Every function runs in one transaction and records what it read and changed in the audit
log. Dismissal reasons and repair notes are client free text: encrypted, never logged.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.audit.services import Action, audit_record, audit_record_many
from rapport.clinic.models import Episode, Phase
from rapport.monitoring import series as _series
from rapport.monitoring.current import LATE_KEY, CurrentSignal, current_signals, dropout_onset
from rapport.monitoring.dropout_calibration import clinic_dropout_models, dropout_model_to_json
from rapport.monitoring.instruments import CHECKIN, kind_of
from rapport.monitoring.models import (
    ACTIVE_STATUSES,
    Alert,
    AlertStatus,
    DropoutCalibration,
    EpisodeSnapshot,
    RepairAction,
    TrajectoryCalibration,
)
from rapport.monitoring.news import news_since, seen_now, shown_version
from rapport.monitoring.news import reason as news_reason
from rapport.monitoring.selectors import late_seen, passed_over
from rapport.monitoring.series import EpisodeSeries, detector_config, load_inputs, load_many
from rapport.monitoring.signals import (
    DetectorConfig,
    DropoutModel,
    TrajectoryModel,
)
from rapport.monitoring.trajectories import clinic_trajectories, trajectory_to_json

if TYPE_CHECKING:  # the fitting code (pandas, statsmodels) stays out of the web process
    from rapport.monitoring.calibration import DropoutRecalibration

__all__ = [
    "CHANGED",
    "MAX_SNOOZE_DAYS",
    "AlertChanged",
    "Prepared",
    "SyncResult",
    "alert_acknowledge",
    "alert_dismiss",
    "alert_is_as_shown",
    "alert_log_action",
    "alert_snooze",
    "alert_version",
    "alerts_prepare",
    "alerts_recompute_episode",
    "alerts_recompute_many",
    "audit_cli",
    "dropout_calibration_store",
    "trajectory_calibration_store",
]

logger = logging.getLogger(__name__)

#: Snoozing longer than a season hides a signal rather than deferring it.
MAX_SNOOZE_DAYS = 90
_REASON_MAX = 2000


@dataclass
class SyncResult:
    episodes: int = 0
    created: int = 0
    updated: int = 0
    resolved: int = 0
    reopened: int = 0

    def add(self, other: SyncResult) -> None:
        for name in ("episodes", "created", "updated", "resolved", "reopened"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "episodes": self.episodes,
            "created": self.created,
            "updated": self.updated,
            "resolved": self.resolved,
            "reopened": self.reopened,
        }


def audit_cli(*, action: str, target: str, client_id: int | None = None) -> None:
    """An audit row for the operator's command line (``rapport signals --client``), labelled
    "cli" so reads an operator makes by hand can be told apart from scheduled work."""
    audit_record(actor="cli", action=action, target=target, client_id=client_id)


# -- following the signals ---------------------------------------------------------------


def _fields(current: CurrentSignal) -> dict:
    signal = current.signal
    return {
        "severity": signal.severity,
        "signal_key": current.key,
        "instrument_id": current.instrument[:50],
        "onset_session": current.onset_session,
        "session": signal.session,
        "evidence": dict(signal.evidence),
        "explanation": signal.explanation,
        "source": signal.source,
    }


def _audit(actor, alert: Alert, what: str, action: str = Action.UPDATE) -> None:
    audit_record(
        actor=actor, action=action, target=f"alert:{alert.pk}:{what}", client_id=alert.client_id
    )


def _sync(
    episode_series: EpisodeSeries,
    current: dict[str, CurrentSignal],
    active: dict[str, Alert],
    dismissed: set[tuple[str, str]],
    *,
    now: dt.datetime,
    actor,
    late_seen: Mapping[str, Alert] | None = None,
    dropout_began: Callable[[Alert], int | None] | None = None,
) -> SyncResult:
    """Bring the episode's ``active`` alerts in line with its ``current`` signals.

    ``dropout_began(alert)``: the earliest session before the stored dropout alert's onset
    from which the risk has had its key at every session (``current.dropout_onset``), or
    None, to correct an onset stored before the onset was kept (below)."""
    episode = episode_series.episode
    today = timezone.localdate(now)
    result = SyncResult(episodes=1)
    late_seen = late_seen or {}
    for kind, item in current.items():
        fields = _fields(item)
        alert = active.get(kind)
        if alert is not None and _seen_late(alert) and alert.signal_key != fields["signal_key"]:
            # A late answer the therapist has seen gives way to what holds now; its row is
            # closed, not rewritten, so that it goes on saying the answer was seen (else the
            # answer would be raised again the next time round).
            _resolve(alert, now=now, actor=actor, why="late-answer-seen")
            result.resolved += 1
            alert = None
        if alert is None:
            if (kind, fields["signal_key"]) in dismissed:
                continue  # the therapist dismissed this very instance
            alert = Alert(
                client_id=episode.client_id,
                episode=episode,
                kind=kind,
                status=AlertStatus.OPEN,
                first_detected_at=now,
                last_detected_at=now,
                **fields,
            )
            _carry_seen(alert, item, late_seen.get(kind))
            try:
                with transaction.atomic():
                    alert.save(force_insert=True)
            except IntegrityError:
                continue  # a concurrent recompute created it a moment ago
            _audit(actor, alert, "raised", Action.CREATE)
            result.created += 1
            continue
        if alert.signal_key == fields["signal_key"]:
            # The same instance began where it began. Dropout risk is judged as of the
            # latest session, so its detector reports that session each time; stored, the
            # card's "since session 3" became "since session 4" at every session held,
            # for a risk unchanged since session 3. (Other kinds' keys hold their onset.)
            fields["onset_session"] = alert.onset_session
            if kind == "dropout_risk" and dropout_began is not None:
                # An alert stored before that kept the last session its onset had moved
                # to: where the series shows the same risk at the sessions before it, the
                # instance began there. Only ever earlier, and not news (``_news`` reads
                # the estimate and its reasons, which are unchanged): the card's "since
                # session N" is put right, nothing is raised again. Never because the
                # dropout model changed (``_dropout_onset_unchanged_model``): the card said
                # "since session 5" and, with nothing new about the client, must not say 3.
                began = dropout_began(alert)
                if began is not None and began < alert.onset_session:
                    fields["onset_session"] = began
        news = _news(alert, item, today)
        changes = [name for name, value in fields.items() if getattr(alert, name) != value]
        new_instance = "signal_key" in changes
        for name in changes:
            setattr(alert, name, fields[name])
        if new_instance and (item.late or kind == "pushed_or_overridden"):
            # Not seen yet, whatever was acknowledged on this row before (``PASSED_OVER``,
            # ``PUSHED_SEEN_ROWS``).
            alert.acknowledged_at, alert.acknowledged_by = None, None
        what = "updated"
        if (
            alert.status == AlertStatus.SNOOZED
            and alert.snoozed_until
            and alert.snoozed_until <= today
        ):
            alert.status, alert.snoozed_until = AlertStatus.OPEN, None
            alert.woken_reason = news or ""
            what = "reopened-after-snooze"
            result.reopened += 1
        elif alert.status == AlertStatus.SNOOZED and news:
            # Worse than what was snoozed (``news``): a snooze defers what was seen, it
            # must not hide what was not.
            alert.status, alert.snoozed_until, alert.woken_reason = AlertStatus.OPEN, None, news
            what = "reopened-worse-while-snoozed"
            result.reopened += 1
        elif alert.status in (AlertStatus.ACKNOWLEDGED, AlertStatus.ACTION_LOGGED) and (
            news or (new_instance and (alert.is_positive or item.late))
        ):
            # Worse than what was acknowledged (a new "pushed" answer, a new rupture, a step
            # up, a new reason): new information. Good news keeps its rule (a new instance
            # is shown again); an unseen late answer always needs seeing.
            alert.status = AlertStatus.OPEN
            alert.woken_reason = news or ""
            what = "reopened-new-occurrence"
            result.reopened += 1
        elif not changes:
            continue
        else:
            result.updated += 1
        alert.last_detected_at = now
        alert.save()
        _audit(actor, alert, what)
    for kind, alert in active.items():
        if kind not in current:
            _resolve(alert, now=now, actor=actor, why="signal-cleared")
            result.resolved += 1
    return result


def _seen_state(alert: Alert) -> dict | None:
    """What the therapist saw of an alert they acted on; for one acted on before this was
    kept (``Alert.seen`` empty), what it showed when last stored, which is kept from now
    on so the comparison does not drift."""
    if alert.seen:
        return alert.seen
    if alert.status == AlertStatus.SNOOZED:
        how, at = "snoozed", alert.snoozed_at
    elif alert.status in (AlertStatus.ACKNOWLEDGED, AlertStatus.ACTION_LOGGED):
        how, at = "acknowledged", alert.acknowledged_at
    else:
        return None
    alert.seen = seen_now(
        None,
        kind=alert.kind,
        key=alert.signal_key,
        severity=alert.severity,
        evidence=alert.evidence,
        how=how,
        on=timezone.localdate(at) if at else timezone.localdate(alert.last_detected_at),
    )
    return alert.seen


def _news(alert: Alert, item: CurrentSignal, today: dt.date) -> str:
    """Why this acted-on alert must be seen again, in words, or "" (``news.news_since``)."""
    seen = _seen_state(alert)
    if not seen:
        return ""
    signal = item.signal
    found = news_since(
        seen,
        kind=signal.kind,
        key=item.key,
        severity=signal.severity,
        evidence=signal.evidence,
        session=signal.session,
    )
    return news_reason(found, seen, today)[:400] if found else ""


def _carry_seen(alert: Alert, item: CurrentSignal, late: Alert | None) -> None:
    """A new row for an instance already seen on the row of a late answer the therapist
    has since seen too (acknowledged, acted on or dismissed): it starts acknowledged, as it
    was before the late answer took the row, not open as if it were news. Anything worse
    than what was seen starts open as before. Good news is not carried."""
    if late is None or alert.is_positive or not late.seen:
        return
    signal = item.signal
    worse = news_since(
        late.seen,
        kind=signal.kind,
        key=item.key,
        severity=signal.severity,
        evidence=signal.evidence,
        session=signal.session,
    )
    if worse is not None:
        return
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.seen = late.seen
    if late.acknowledged_at is not None:
        alert.acknowledged_at, alert.acknowledged_by_id = (
            late.acknowledged_at,
            late.acknowledged_by_id,
        )
    else:
        alert.acknowledged_at, alert.acknowledged_by_id = late.dismissed_at, late.dismissed_by_id


def _mark_seen(alert: Alert, *, how: str, now: dt.datetime) -> None:
    """The therapist has seen the alert as it stands: keep it (``news.seen_now``) and
    drop the reason it opened again."""
    alert.seen = seen_now(
        alert.seen,
        kind=alert.kind,
        key=alert.signal_key,
        severity=alert.severity,
        evidence=alert.evidence,
        how=how,
        on=timezone.localdate(now),
    )
    alert.woken_reason = ""


def _seen_late(alert: Alert) -> bool:
    return LATE_KEY in alert.signal_key and alert.acknowledged_at is not None


def _follow_seen_late(alert: Alert) -> None:
    """A late answer the therapist has just seen (acknowledged, acted on, dismissed) gives
    way at once to what the latest answers say, not at the next periodic recompute: its
    alert closes and good news it held back shows. The episode is recomputed after the
    commit, as after a stored answer (``apps._schedule``: never inside this transaction,
    which holds the alert's lock, while a recompute locks the episode first)."""
    if LATE_KEY in alert.signal_key or "later_answer" in alert.evidence:
        # Or a "pushed" answer shown after a later check-in said "no" (``current._pushed``).
        from rapport.monitoring.apps import _schedule

        _schedule(alert.episode_id)


def _resolve(alert: Alert, *, now: dt.datetime, actor, why: str) -> None:
    alert.status = AlertStatus.RESOLVED
    alert.resolved_at = now
    alert.snoozed_until = None
    alert.save(update_fields=["status", "resolved_at", "snoozed_until", "updated_at"])
    _audit(actor, alert, f"resolved-{why}")


#: Points kept for each caseload trend line: about three months of weekly sessions.
TREND_POINTS = 12


def _snapshot(item: EpisodeSeries, now: dt.datetime) -> EpisodeSnapshot:
    """The caseload's view of the episode: the check-in's (else another alliance
    measure's) latest totals, and those of the outcome measure with the most scores."""
    series = item.series
    alliance = [i for i in series.instruments if kind_of(i) == "alliance"]
    alliance.sort(key=lambda i: (i != CHECKIN, -len(series.of(i))))
    outcome = [i for i in series.instruments if kind_of(i) == "outcome"]
    outcome.sort(key=lambda i: (-len(series.of(i)), i))

    def latest(instrument: str | None) -> list[list[float]]:
        # [session, total] pairs: the caseload's trend line needs the sessions to leave a
        # gap where one went unrated (bare totals drew 1 and 5 as neighbours).
        if instrument is None:
            return []
        return [[o.session, o.score] for o in series.of(instrument)][-TREND_POINTS:]

    a = alliance[0] if alliance else None
    o = outcome[0] if outcome else None
    return EpisodeSnapshot(
        episode_id=item.episode.pk,
        alliance_instrument=a or "",
        alliance_values=latest(a),
        outcome_instrument=o or "",
        outcome_values=latest(o),
        outcome_count=len(series.of(o)) if o else 0,
        updated_at=now,
    )


_SNAPSHOT_FIELDS = (
    "alliance_instrument",
    "alliance_values",
    "outcome_instrument",
    "outcome_values",
    "outcome_count",
)


def _store_snapshots(items: Sequence[EpisodeSeries], now: dt.datetime) -> None:
    """Write the snapshots that are new or changed, as one insert-or-update.

    An upsert rather than "insert the missing ones": a snapshot another transaction stored
    since this one read (a recompute not serialised by the episode lock) is updated, not
    a duplicate key that would roll back this whole recompute (SQLite 3.24+, PostgreSQL)."""
    stored = EpisodeSnapshot.objects.in_bulk([i.episode.pk for i in items])
    write = []
    for item in items:
        fresh = _snapshot(item, now)
        old = stored.get(item.episode.pk)
        if old is None or any(getattr(old, f) != getattr(fresh, f) for f in _SNAPSHOT_FIELDS):
            write.append(fresh)
    EpisodeSnapshot.objects.bulk_create(
        write,
        update_conflicts=True,
        unique_fields=["episode"],
        update_fields=[*_SNAPSHOT_FIELDS, "updated_at"],
    )


def _lock_episodes(episodes: Sequence[Episode]) -> None:
    """Lock the episodes' rows until the recompute commits, and re-read their phase.

    Two recomputes of one episode (a client's answer and the therapist's attendance marking
    committed together, each scheduling one; the periodic run) would otherwise both read
    "no snapshot, no alert of this kind" and both insert. With the lock the second waits,
    then reads what the first stored. The lock order is that of every writer of a session's
    record (the episode first: ``clinic.services.locked_appointment``), in primary-key order
    between batches. FOR NO KEY UPDATE: a colleague logging an action meanwhile inserts
    rows referring to the episode, which takes a key-share lock this one does not block, so
    their alert lock and this lock never wait for each other in a circle."""
    phases = dict(
        Episode.objects.select_for_update(no_key=True)
        .filter(pk__in=[e.pk for e in episodes])
        .order_by("pk")
        .values_list("pk", "phase")
    )
    for episode in episodes:
        # Ended while this recompute waited for the lock: close its alerts, not raise them.
        episode.phase = phases.get(episode.pk, episode.phase)


@dataclass(frozen=True)
class Prepared:
    """One episode's series and current signals, built before its recompute took its locks
    (``alerts_prepare``), with the dismissed instances they were chosen without."""

    item: EpisodeSeries
    dismissed: frozenset[tuple[str, str]]
    current: dict[str, CurrentSignal]
    #: The clock it was built for: built for another, it is not used.
    now: dt.datetime


def _config(
    item: EpisodeSeries,
    trajectories: dict[int, dict[str, TrajectoryModel]],
    dropout: dict[int, DropoutModel | None],
) -> DetectorConfig:
    clinic_id = item.episode.client.clinic_id
    if clinic_id not in trajectories:
        trajectories[clinic_id] = clinic_trajectories(clinic_id)
    return detector_config(
        item.series.instruments,
        trajectories[clinic_id],
        item.checkin_instrument,
        dropout[clinic_id],
    )


def _signals(
    item: EpisodeSeries,
    dismissed: set[tuple[str, str]] | frozenset[tuple[str, str]],
    trajectories: dict[int, dict[str, TrajectoryModel]],
    dropout: dict[int, DropoutModel | None],
) -> dict[str, CurrentSignal]:
    return current_signals(item.series, _config(item, trajectories, dropout), dismissed)


def _dropout_onset_unchanged_model(
    item: EpisodeSeries,
    config: DetectorConfig,
    alert: Alert,
    calibrated_at: Callable[[int], dt.datetime | None],
) -> int | None:
    """``current.dropout_onset`` for a stored dropout alert, only while its clinic's dropout
    model is the one the alert was raised under; None (keep the stored onset) otherwise.

    The replay reads the earlier sessions with today's model. A clinic that recalibrated
    since the alert was raised has other weights, under which the same, unchanged sessions
    can already show this estimate band and reasons: the onset would move earlier with no
    new data about the client (a card that said "since session 5" saying "since session 3"
    after ``rapport calibrate``), and the therapist would read that the risk was there, and
    missed, two sessions before Rapport said so. Not news either, so nothing would tell them
    it moved. The onset says when this instance was raised; a new model that sees a new
    band or new reasons makes a new instance (a new key, raised as of the latest session).
    A Rapport release that changes the published weights is not dated by any stored row, so
    it is not seen here: its notes must say so if it changes the model.
    """
    newest = calibrated_at(item.episode.client.clinic_id)
    if newest is not None and newest > alert.first_detected_at:
        return None
    return dropout_onset(item.series, config, alert.signal_key, alert.onset_session)


def _newest_calibrations(
    cache: dict[int, dt.datetime | None], clinic_id: int
) -> dt.datetime | None:
    """When the clinic's newest dropout model was stored (None: the published one), read
    once per recompute and only for a clinic with a dropout alert to check."""
    if clinic_id not in cache:
        cache[clinic_id] = (
            DropoutCalibration.objects.filter(clinic_id=clinic_id)
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
    return cache[clinic_id]


def alerts_prepare(
    *,
    episodes: Sequence[Episode],
    now: dt.datetime,
    trajectories: dict[int, dict[str, TrajectoryModel]] | None = None,
    dropout_models: dict[int, DropoutModel | None] | None = None,
) -> dict[int, Prepared]:
    """Build the open episodes' series and current signals with no transaction and no lock
    (client and therapist loaded; same caches as ``alerts_recompute_many``), to hand to
    ``alerts_recompute_many(prepared=...)`` for the same ``now``.

    Reading and scoring an episode's whole history is most of a recompute; under its locks
    (which a client's check-in on the episode waits for) a recompute given this only reads
    what each series was built from (``series.load_inputs``, no JSON) and rebuilds the
    episodes where that changed meanwhile. Nothing is skipped: every episode's signals are
    judged as of ``now``, so those time alone changes (an overdue check-in, a snooze that
    ended, dropout risk) are as fresh as without it. Writes nothing, records no audit row:
    the recompute that uses it does."""
    known = trajectories if trajectories is not None else {}
    dropout = dropout_models if dropout_models is not None else {}
    # Not the module's ``load_many``: that name is the read under the locks.
    loaded = _series.load_many([e for e in episodes if e.phase != Phase.CLOSED], now=now)
    _load_dropout_models(dropout, [item.episode.client.clinic_id for item in loaded])
    dismissed = passed_over([item.episode.pk for item in loaded])
    prepared = {}
    for item in loaded:
        seen = frozenset(dismissed[item.episode.pk])
        prepared[item.episode.pk] = Prepared(item, seen, _signals(item, seen, known, dropout), now)
    return prepared


def _fresh_series(
    episodes: list[Episode], prepared: Mapping[int, Prepared], now: dt.datetime
) -> list[EpisodeSeries]:
    """The series of these (locked) episodes: those prepared before the lock where what
    they were built from has not changed since, the others read again now."""
    inputs = load_inputs([e for e in episodes if e.pk in prepared], now=now)
    kept = {
        e.pk: replace(prepared[e.pk].item, episode=e)
        for e in episodes
        if e.pk in inputs and prepared[e.pk].item.inputs == inputs[e.pk]
    }
    again = {
        item.episode.pk: item
        for item in load_many([e for e in episodes if e.pk not in kept], now=now)
    }
    return [kept[e.pk] if e.pk in kept else again[e.pk] for e in episodes]


def alerts_recompute_many(
    *,
    episodes: Sequence[Episode],
    now: dt.datetime | None = None,
    actor=None,
    request=None,
    trajectories: dict[int, dict[str, TrajectoryModel]] | None = None,
    dropout_models: dict[int, DropoutModel | None] | None = None,
    prepared: Mapping[int, Prepared] | None = None,
) -> SyncResult:
    """Recompute the alerts of these episodes (client and therapist loaded) in one
    transaction; closed episodes have their remaining alerts resolved.

    ``trajectories`` and ``dropout_models`` are per-clinic caches the caller may share
    between batches (filled here as clinics come up; None for a clinic on the published
    dropout model), so each clinic's calibrations are read once, not once per episode.
    ``prepared``: what ``alerts_prepare`` built for these episodes at this same ``now``;
    under the locks only what changed since is read and computed again."""
    now = now or timezone.now()
    result = SyncResult()
    if not episodes:
        return result
    with transaction.atomic():
        _lock_episodes(episodes)
        ids = [e.pk for e in episodes]
        active: dict[int, dict[str, Alert]] = defaultdict(dict)
        # Locked too: a therapist acknowledging, snoozing or dismissing one of them meanwhile
        # (``_locked``) waits for this recompute, or this one reads what they saved; either
        # way the recompute's save cannot put back the status it read before theirs.
        for alert in (
            Alert.objects.select_for_update()
            .filter(episode_id__in=ids, status__in=ACTIVE_STATUSES)
            .order_by("pk")
        ):
            active[alert.episode_id][alert.kind] = alert
        dismissed = passed_over(ids)
        seen_late_rows = late_seen(ids)
        open_episodes = [e for e in episodes if e.phase != Phase.CLOSED]
        for episode in episodes:
            if episode.phase == Phase.CLOSED:
                for alert in active[episode.pk].values():
                    _resolve(alert, now=now, actor=actor, why="episode-ended")
                    result.resolved += 1
        known = trajectories if trajectories is not None else {}
        dropout = dropout_models if dropout_models is not None else {}
        early = {pk: p for pk, p in (prepared or {}).items() if p.now == now}
        loaded = _fresh_series(open_episodes, early, now)
        _store_snapshots(loaded, now)
        _load_dropout_models(dropout, [item.episode.client.clinic_id for item in loaded])
        calibrated: dict[int, dt.datetime | None] = {}
        for item in loaded:
            before = early.get(item.episode.pk)
            if (
                before is not None
                and item.inputs is not None
                and item.inputs == before.item.inputs
                and before.dismissed == dismissed[item.episode.pk]
            ):
                current = before.current  # nothing it was computed from has changed
            else:
                current = _signals(item, dismissed[item.episode.pk], known, dropout)

            def began(alert: Alert, item: EpisodeSeries = item) -> int | None:
                config = _config(item, known, dropout)
                return _dropout_onset_unchanged_model(
                    item, config, alert, lambda pk: _newest_calibrations(calibrated, pk)
                )

            result.add(
                _sync(
                    item,
                    current,
                    active[item.episode.pk],
                    dismissed[item.episode.pk],
                    now=now,
                    actor=actor,
                    late_seen=seen_late_rows[item.episode.pk],
                    dropout_began=began,
                )
            )
        # Reading a client's responses to compute signals is a read of client data.
        audit_record_many(
            actor=actor,
            action=Action.VIEW,
            target="signals-recompute",
            client_ids=[e.client_id for e in open_episodes],
            request=request,
        )
    return result


def _load_dropout_models(cache: dict[int, DropoutModel | None], clinic_ids: list[int]) -> None:
    """Fill the cache for the clinics not in it yet, in one query for all of them."""
    missing = {pk for pk in clinic_ids if pk not in cache}
    if not missing:
        return
    found = clinic_dropout_models(missing)
    for clinic_id in missing:
        cache[clinic_id] = found.get(clinic_id)


def alerts_recompute_episode(
    *, episode: Episode, now: dt.datetime | None = None, actor=None, request=None
) -> SyncResult:
    episode = Episode.objects.select_related("client", "client__therapist").get(pk=episode.pk)
    return alerts_recompute_many(episodes=[episode], now=now, actor=actor, request=request)


# -- the therapist's side of the lifecycle ------------------------------------------------


def _require_active(alert: Alert) -> None:
    if not alert.is_active:
        raise ValidationError("This alert is closed: it was resolved or dismissed.")


#: Why an action on an alert was refused: it changed after the page showed it.
CHANGED = "This alert changed while the page was open: read what is new, then choose again."


class AlertChanged(ValidationError):
    """The alert says something else than when the page showed it (``alert_version``)."""


def alert_version(alert: Alert) -> str:
    """What the alert says, as a digest the alert's forms carry (``news.shown_version``)."""
    return shown_version(
        kind=alert.kind,
        key=alert.signal_key,
        severity=alert.severity,
        session=alert.session,
        onset_session=alert.onset_session,
        evidence=alert.evidence,
        explanation=alert.explanation,
    )


def alert_is_as_shown(alert: Alert, shown: str | None) -> bool:
    """Whether the alert still says what the page showed (``shown``: the version the page
    carried; "" from a form without one; None: not from a page, nothing to compare)."""
    return shown is None or shown == alert_version(alert)


def _require_as_shown(
    alert: Alert, shown: str | None, errors: Mapping[str, str] | None = None
) -> None:
    """Refuse the action if the alert changed since the page showed it, or if the input
    has ``errors`` (by field). A recompute between the page and the click (a check-in
    answered meanwhile) must not be recorded as seen (``_mark_seen``), so it never woke or
    reopened the alert. Both at once when both hold: the page that shows the alert as it is
    now also says what to correct, not only on the next send. The version is only
    compared, never used."""
    errors = dict(errors or {})
    if not alert_is_as_shown(alert, shown):
        raise AlertChanged({NON_FIELD_ERRORS: [CHANGED], **errors})
    if errors:
        raise ValidationError(errors)


def _locked(alert: Alert) -> Alert:
    """Re-read the alert under a row lock so two clicks cannot interleave."""
    fresh = Alert.objects.select_for_update().get(pk=alert.pk)
    alert.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "_state"})
    return alert


@transaction.atomic
def alert_acknowledge(
    *,
    actor,
    alert: Alert,
    request=None,
    now: dt.datetime | None = None,
    shown: str | None = None,
) -> Alert:
    alert = _locked(alert)
    _require_active(alert)
    _require_as_shown(alert, shown)
    now = now or timezone.now()
    if alert.status in (AlertStatus.OPEN, AlertStatus.SNOOZED):
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.snoozed_until = None
        alert.acknowledged_at = now
        alert.acknowledged_by = actor
        _mark_seen(alert, how="acknowledged", now=now)
        alert.save()
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"alert:{alert.pk}:acknowledged",
            client_id=alert.client_id,
            request=request,
        )
        _follow_seen_late(alert)
    return alert


@transaction.atomic
def alert_log_action(
    *,
    actor,
    alert: Alert,
    strategy=None,
    note: str = "",
    performed_on: dt.date | None = None,
    request=None,
    now: dt.datetime | None = None,
    shown: str | None = None,
) -> RepairAction:
    """Record what the therapist did (a suggested strategy, their own words, or both)."""
    alert = _locked(alert)
    _require_active(alert)
    now = now or timezone.now()
    today = timezone.localdate(now)
    note = (note or "").strip()
    performed_on = performed_on or today
    errors: dict[str, str] = {}
    if strategy is None and not note:
        errors["note"] = "Choose a strategy or describe what you did."
    if strategy is not None and (
        strategy.clinic_id != alert.client.clinic_id or not strategy.enabled
    ):
        errors["strategy"] = "Choose one of the suggested strategies."
    if len(note) > _REASON_MAX:
        errors["note"] = f"Keep the note under {_REASON_MAX} characters."
    if performed_on > today:
        errors["performed_on"] = "The date cannot be in the future."
    elif performed_on < alert.episode.started_on:
        errors["performed_on"] = "The date is before this episode started."
    _require_as_shown(alert, shown, errors)
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    repeated = _same_action_just_logged(alert, strategy, note, performed_on, created_by, now)
    if repeated is not None:
        return repeated
    action = RepairAction.objects.create(
        alert=alert,
        client_id=alert.client_id,
        episode_id=alert.episode_id,
        strategy=strategy,
        strategy_title=strategy.title[:200] if strategy is not None else "",
        note=note,
        performed_on=performed_on,
        created_by=created_by,
    )
    alert.status = AlertStatus.ACTION_LOGGED
    alert.snoozed_until = None
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, actor
    _mark_seen(alert, how="action", now=now)
    alert.save()
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=f"repair-action:{action.pk}:alert:{alert.pk}",
        client_id=alert.client_id,
        request=request,
    )
    _follow_seen_late(alert)
    return action


#: A second identical "log action" within this time is the same action sent twice (a
#: double click, a resubmitted form), not a second repair.
_REPEAT_WINDOW = dt.timedelta(minutes=10)


def _same_action_just_logged(alert, strategy, note, performed_on, created_by, now):
    """The identical action this person logged on this alert moments ago, if any (the alert
    row is locked, so two submissions are seen one after the other)."""
    recent = RepairAction.objects.filter(
        alert=alert,
        strategy=strategy,
        performed_on=performed_on,
        created_by=created_by,
        created_at__gte=now - _REPEAT_WINDOW,
    )
    # The note is encrypted (randomised), so it is compared after reading.
    return next((action for action in recent if action.note == note), None)


@transaction.atomic
def alert_dismiss(
    *,
    actor,
    alert: Alert,
    reason: str,
    request=None,
    now: dt.datetime | None = None,
    shown: str | None = None,
) -> Alert:
    """Close an alert the therapist judges not to apply; the reason is kept (encrypted)."""
    alert = _locked(alert)
    _require_active(alert)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = "Say why this alert does not need action."
    elif len(reason) > _REASON_MAX:
        errors["reason"] = f"Keep the reason under {_REASON_MAX} characters."
    _require_as_shown(alert, shown, errors)
    alert.status = AlertStatus.DISMISSED
    alert.dismissed_at = now or timezone.now()
    alert.dismissed_by = actor
    alert.dismiss_reason = reason
    alert.snoozed_until = None
    _mark_seen(alert, how="dismissed", now=alert.dismissed_at)
    alert.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"alert:{alert.pk}:dismissed",
        client_id=alert.client_id,
        request=request,
    )
    _follow_seen_late(alert)
    return alert


@transaction.atomic
def alert_snooze(
    *,
    actor,
    alert: Alert,
    until: dt.date,
    request=None,
    now: dt.datetime | None = None,
    shown: str | None = None,
) -> Alert:
    """Put an alert aside until a date; it opens again on that date if the signal holds."""
    alert = _locked(alert)
    _require_active(alert)
    today = timezone.localdate(now or timezone.now())
    errors: dict[str, str] = {}
    if until <= today:
        errors["until"] = "Choose a date after today."
    elif until > today + dt.timedelta(days=MAX_SNOOZE_DAYS):
        errors["until"] = f"Snooze for at most {MAX_SNOOZE_DAYS} days, or dismiss the alert."
    _require_as_shown(alert, shown, errors)
    alert.status = AlertStatus.SNOOZED
    alert.snoozed_until = until
    alert.snoozed_at = now or timezone.now()
    alert.snoozed_by = actor if getattr(actor, "is_authenticated", False) else None
    _mark_seen(alert, how="snoozed", now=alert.snoozed_at)
    alert.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"alert:{alert.pk}:snoozed",
        client_id=alert.client_id,
        request=request,
    )
    return alert


# -- calibration --------------------------------------------------------------------------


@transaction.atomic
def trajectory_calibration_store(
    *, clinic, model: TrajectoryModel, episodes_used: int, actor_label: str = "cli"
) -> TrajectoryCalibration:
    """Keep a clinic's re-estimated expected-response model; the newest one is used."""
    row = TrajectoryCalibration.objects.create(
        clinic=clinic,
        instrument_id=model.instrument,
        parameters=trajectory_to_json(model),
        episodes_used=episodes_used,
        created_by_label=actor_label[:254],
    )
    target = f"trajectory-calibration:{row.instrument_id}"
    audit_record(actor=actor_label, action=Action.UPDATE, target=target)
    return row


@transaction.atomic
def dropout_calibration_store(
    *, clinic, result: DropoutRecalibration, actor_label: str = "cli"
) -> DropoutCalibration:
    """Keep a clinic's recalibrated dropout model; the newest one is used by the detectors."""
    row = DropoutCalibration.objects.create(
        clinic=clinic,
        parameters=dropout_model_to_json(result.model),
        intercept_shift=result.intercept_shift,
        slope=result.slope,
        episodes_used=result.episodes,
        dropouts=result.events,
        observed_rate=result.observed_rate,
        mean_predicted=result.mean_predicted,
        created_by_label=actor_label[:254],
    )
    target = f"dropout-calibration:clinic:{clinic.pk}"
    audit_record(actor=actor_label, action=Action.UPDATE, target=target)
    return row
