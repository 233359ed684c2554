"""Reads of monitoring data, scoped to the requesting user through ``clinic.selectors``.

* ``get_alert_for_user``: the one way views reach an alert (404 outside the user's scope).
* ``client_monitoring``: everything the client page shows (alerts with their strategies,
  series for the charts, repair actions).
* ``triage``: decorates caseload rows with open alerts and trend lines, in a fixed number
  of queries, and orders them by need.
* ``team_figures``: the supervisor's figures per therapist, also in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from rapport.clinic.models import Attendance, Client, EndReason, Episode, GoalStatus, Phase
from rapport.clinic.selectors import clients_for
from rapport.core.panels import memo_active, memoized, page_now
from rapport.guidance.library import fewer_than_needed, kind_turned_off
from rapport.guidance.models import Strategy
from rapport.guidance.selectors import suggestions
from rapport.measures.errors import InstrumentNotFound
from rapport.measures.registry import get_instrument
from rapport.monitoring.context import guidance_context
from rapport.monitoring.current import LATE_KEY, PUSHED_SEEN
from rapport.monitoring.dropout_calibration import clinic_dropout_model
from rapport.monitoring.freshness import caseload_notice
from rapport.monitoring.instruments import stored_ids
from rapport.monitoring.kinds import POSITIVE_KINDS, SEVERITY_RANK, change_size
from rapport.monitoring.models import (
    ACTIVE_STATUSES,
    Alert,
    AlertStatus,
    EpisodeSnapshot,
    RepairAction,
)
from rapport.monitoring.series import (
    EpisodeSeries,
    detector_config,
    load_episode_series,
    load_many,
)
from rapport.monitoring.signals import BASE_RATE, DetectorConfig
from rapport.monitoring.signals.model import KINDS
from rapport.monitoring.trajectories import clinic_trajectories

__all__ = [
    "AlertView",
    "ClientMonitoring",
    "TeamFigures",
    "TherapistFigures",
    "Trend",
    "client_monitoring",
    "client_series",
    "get_alert_for_user",
    "team_figures",
    "triage",
]

#: Check-in completion is judged over the last twelve weeks.
COMPLETION_WINDOW_DAYS = 84

#: Fewest ended episodes for which a dropout rate is set beside the 19.7% benchmark (Rapport
#: default). Below ten, one episode moves the rate by more than ten points, half the
#: benchmark itself, and "1 of 3 (33%)" reads as a dropout problem the numbers cannot show:
#: a therapist whose clients drop out at exactly 19.7% has one or more dropouts in three
#: ended episodes almost half the time (1 - 0.803^3 = 48%).
DROPOUT_MIN_ENDED = 10


def get_alert_for_user(user, alert_id) -> Alert:
    try:
        return Alert.objects.select_related("client", "client__therapist", "episode").get(
            pk=int(alert_id), client__in=clients_for(user)
        )
    except (Alert.DoesNotExist, ValueError, TypeError):
        raise Http404("No such alert") from None


# -- the client page ---------------------------------------------------------------------


@dataclass
class AlertView:
    alert: Alert
    strategies: list[Strategy] = field(default_factory=list)
    #: The clinic has turned off every strategy of this kind of alert: none is shown, and
    #: the alert says why (``guidance.library.kind_turned_off``).
    strategies_off: bool = False
    #: Fewer than two strategies fit (none borrowed from other kinds) though the kind is not
    #: turned off: the alert says so (``guidance.library.fewer_than_needed``).
    strategies_fewer: bool = False
    actions: list[RepairAction] = field(default_factory=list)
    needs_action: bool = False
    snoozed: bool = False
    forms: dict = field(default_factory=dict)
    #: The scores it names by session that were answered on another day (``answered``),
    #: set by the page that shows it.
    answered: list = field(default_factory=list)


@dataclass
class ClientMonitoring:
    episode: Episode | None
    episode_series: EpisodeSeries | None
    config: DetectorConfig | None
    alerts: list[AlertView]
    good_news: list[AlertView]
    snoozed: list[AlertView]
    actions: list[RepairAction]
    goals: list
    context: frozenset[str]


def _quiet_in_last_transcript(episode: Episode) -> bool:
    """Whether the latest analysed transcript of the episode flagged a client going quiet
    (``rapport.transcripts`` flag ``client_quiet``; flags carry no client words)."""
    from rapport.transcripts.models import Transcript

    flags = (
        Transcript.objects.filter(appointment__episode=episode, analysed_at__isnull=False)
        .order_by("-appointment__starts_at", "-pk")
        .values_list("flags", flat=True)
        .first()
    )
    return any(isinstance(f, dict) and f.get("kind") == "client_quiet" for f in flags or ())


def client_series(client: Client, *, now: dt.datetime) -> dict[int, EpisodeSeries]:
    """Monitoring's series of each of an already-scoped client's episodes, by episode pk,
    as of ``now``. The client page needs them twice (its monitoring section, the open
    episode's; the check-ins section, which answers count in every episode, through
    ``apps.counted_responses``): built once per page view (``core.panels.memoized``)."""

    def build() -> dict[int, EpisodeSeries]:
        episodes = list(client.episodes.select_related("client", "client__therapist"))
        return {one.episode.pk: one for one in load_many(episodes, now=now)}

    return memoized(("monitoring-series", client.pk, now), build)


def client_monitoring(client: Client, *, now: dt.datetime | None = None) -> ClientMonitoring:
    """Monitoring for an already-scoped client's current (open) episode."""
    now = now or page_now()
    today = timezone.localdate(now)
    episode = (
        client.episodes.exclude(phase=Phase.CLOSED)
        .select_related("client", "client__therapist")
        .order_by("-started_on", "-pk")
        .first()
    )
    if episode is None:
        return ClientMonitoring(None, None, None, [], [], [], [], [], frozenset())
    # On the client page, from the series of every episode that its check-ins section
    # reads too (one build); elsewhere (an alert's page) the open episode's alone.
    episode_series = (
        client_series(client, now=now)[episode.pk]
        if memo_active()
        else load_episode_series(episode, now=now)
    )
    config = detector_config(
        episode_series.series.instruments,
        clinic_trajectories(client.clinic_id),
        episode_series.checkin_instrument,
        clinic_dropout_model(client.clinic_id),
    )
    alerts = list(Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES).order_by("pk"))
    actions = list(RepairAction.objects.filter(episode=episode).select_related("strategy", "alert"))
    # Agreed goals still worked on: "Working on it" only. Not "to talk through" (written by
    # the client, not agreed yet: guidance asks the therapist to agree goals, "no_goals",
    # rather than treat them as agreed, and strategies that show the goals do not show them),
    # nor achieved or set aside ones.
    goals = [g for g in episode.goals.all() if g.status == GoalStatus.ACTIVE]
    context = guidance_context(
        episode_series.series,
        config,
        phase=episode.phase,
        mandated=episode.is_mandated,
        trainee=bool(client.therapist.is_trainee),
        has_goals=bool(goals),
        active_kinds=[a.kind for a in alerts],
        quiet_flag=_quiet_in_last_transcript(episode),
    )
    library = list(Strategy.objects.filter(clinic_id=client.clinic_id, enabled=True))
    by_alert: dict[int, list[RepairAction]] = defaultdict(list)
    for action in actions:
        by_alert[action.alert_id].append(action)
    views = []
    for alert in alerts:
        chosen = suggestions(library, kind=alert.kind, context=context)
        views.append(
            AlertView(
                alert=alert,
                strategies=chosen,
                strategies_off=kind_turned_off(library, alert.kind),
                strategies_fewer=fewer_than_needed(library, chosen, alert.kind),
                actions=by_alert.get(alert.pk, []),
                needs_action=alert.needs_action(today),
                snoozed=alert.is_snoozed(today),
            )
        )
    views.sort(key=lambda v: (-SEVERITY_RANK[v.alert.severity], KINDS.index(v.alert.kind)))
    return ClientMonitoring(
        episode=episode,
        episode_series=episode_series,
        config=config,
        alerts=[v for v in views if v.needs_action],
        good_news=[v for v in views if v.alert.is_positive],
        snoozed=[v for v in views if v.snoozed and not v.alert.is_positive],
        actions=actions,
        goals=goals,
        context=context,
    )


# -- the caseload ------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    """The last few totals of one instrument, oldest first; ``count`` is all of them.

    ``sessions`` are the totals' session numbers (empty for a snapshot stored before
    they were kept, until the next recompute rewrites it): the trend line leaves a gap
    where a session in between went unrated.
    """

    instrument: str
    values: tuple[float, ...]
    count: int = 0
    sessions: tuple[int, ...] = ()


def _trend(snapshot: EpisodeSnapshot | None, kind: str) -> Trend | None:
    if snapshot is None:
        return None
    instrument = getattr(snapshot, f"{kind}_instrument")
    stored = getattr(snapshot, f"{kind}_values")
    if not instrument or not stored:
        return None
    count = snapshot.outcome_count if kind == "outcome" else len(stored)
    if all(isinstance(item, list) for item in stored):  # [session, total] pairs
        return Trend(
            instrument,
            tuple(float(total) for _session, total in stored),
            count,
            tuple(int(session) for session, _total in stored),
        )
    return Trend(instrument, tuple(float(v) for v in stored), count)


#: The fields of an alert the caseload reads (``triage``, the row's tags, the kind filter,
#: the team figures): any other would be read with a query for each alert.
CASELOAD_ALERT_FIELDS: tuple[str, ...] = (
    "id",
    "client_id",
    "episode_id",
    "kind",
    "severity",
    "status",
    "snoozed_until",
    "evidence",
)


def triage(rows: list, *, now: dt.datetime) -> list:
    """Attach alerts and trends to caseload rows and order them by need (two queries).

    Need: the most severe alert that asks for action, then how many there are, then
    whether check-ins are overdue; good news never raises a client. Among clients of equal
    need, the one whose most pressing alert is of the more urgent kind comes first, and
    among those the bigger change (``_pressing``). Every active alert is
    attached too (``active_alerts``), whatever the therapist did with it: snoozing or
    acknowledging an alert changes what needs action now, not whether the signal holds.
    """
    from dataclasses import replace

    today = timezone.localdate(now)
    episode_ids = [r.episode.pk for r in rows if r.episode is not None]
    alerts: dict[int, list[Alert]] = defaultdict(list)
    snapshots: dict[int, EpisodeSnapshot] = {}
    if episode_ids:
        # The caseload needs kinds, severities, workflow state and the size of each change
        # (in the evidence), nothing else: not the explanations or encrypted reasons, and
        # not the timestamps and JSON of what was seen (reading them was 40% of the query's
        # time on a supervisor's 311 rows; tests/clinic/test_caseload_rendering_cost.py).
        for alert in (
            Alert.objects.filter(episode_id__in=episode_ids, status__in=ACTIVE_STATUSES)
            .only(*CASELOAD_ALERT_FIELDS)
            .order_by("pk")
        ):
            alerts[alert.episode_id].append(alert)
        snapshots = EpisodeSnapshot.objects.in_bulk(episode_ids)
    decorated = []
    for row in rows:
        mine = alerts.get(row.episode.pk, []) if row.episode is not None else []
        needing = sorted(
            (a for a in mine if a.needs_action(today)),
            key=lambda a: (-SEVERITY_RANK[a.severity], KINDS.index(a.kind)),
        )
        good = [a for a in mine if a.kind in POSITIVE_KINDS and a.status == AlertStatus.OPEN]
        snoozed = [a for a in mine if a.kind not in POSITIVE_KINDS and a.is_snoozed(today)]
        overdue = any(a.kind == "feedback_missing" for a in needing)
        serious = [a for a in needing if a.kind != "feedback_missing"]
        need = (
            max((SEVERITY_RANK[a.severity] for a in serious), default=-1),
            len(serious),
            int(overdue),
        )
        snapshot = snapshots.get(row.episode.pk) if row.episode is not None else None
        decorated.append(
            (
                _pressing(serious),
                replace(
                    row,
                    alerts=tuple(needing),
                    good_news=tuple(good),
                    active_alerts=tuple(mine),
                    snoozed=tuple(snoozed),
                    feedback_overdue=overdue,
                    need=need,
                    alliance_trend=_trend(snapshot, "alliance"),
                    outcome_trend=_trend(snapshot, "outcome"),
                ),
            )
        )
    decorated.sort(
        key=lambda item: (
            tuple(-n for n in item[1].need),
            item[0],
            item[1].client.display_name.casefold(),
        )
    )
    return [row for _, row in decorated]


def _pressing(serious: Sequence[Alert]) -> tuple[int, float]:
    """The sort key of a client's most pressing alert (``serious`` is most severe and most
    urgent kind first): its kind's place in the library's order, then its change, bigger
    first. Of two clients whose PHQ-9 rose reliably, the one who is 12 points worse is seen
    before the one who is 7 worse, not whoever comes first in the alphabet."""
    if not serious:
        return len(KINDS), 0.0
    top = serious[0]
    return KINDS.index(top.kind), -change_size(top.kind, top.evidence)


# -- team figures ------------------------------------------------------------------------


@dataclass
class TherapistFigures:
    therapist_id: int
    name: str
    #: The supervisor's own clients (a supervisor may carry a caseload too, DESIGN §5).
    is_you: bool = False
    #: A deactivated account: their clients still need someone.
    inactive: bool = False
    clients: int = 0
    #: Clients with a risk answer (PHQ-9 item 9, CORE-10 item 6) nobody has followed up:
    #: current clients, and former clients listed on the current caseload for it.
    open_risk: int = 0
    mean_alliance: float | None = None
    alliance_clients: int = 0
    not_on_track: int = 0
    outcome_clients: int = 0
    ended: int = 0
    dropped_out: int = 0
    attended: int = 0
    checkins: int = 0

    @property
    def not_on_track_share(self) -> float | None:
        return self.not_on_track / self.outcome_clients if self.outcome_clients else None

    @property
    def dropout_rate(self) -> float | None:
        return self.dropped_out / self.ended if self.ended else None

    @property
    def dropout_comparable(self) -> bool:
        """Whether enough episodes ended to set the rate beside the benchmark."""
        return self.ended >= DROPOUT_MIN_ENDED

    @property
    def completion_rate(self) -> float | None:
        # No cap: ``checkins`` counts attended sessions that have a check-in, so it can
        # never exceed ``attended`` (see team_figures).
        return self.checkins / self.attended if self.attended else None


@dataclass
class TeamFigures:
    therapists: list[TherapistFigures]
    total: TherapistFigures
    benchmark_dropout: float = float(BASE_RATE.value)
    benchmark_source: str = BASE_RATE.source
    window_days: int = COMPLETION_WINDOW_DAYS
    dropout_min_ended: int = DROPOUT_MIN_ENDED
    #: Said above the caseload when the periodic recompute is missing (freshness.py): the
    #: time-based alerts on this page may then be missing too. "" when it runs.
    time_alerts_notice: str = ""


def _combine(parts: Iterable[TherapistFigures], name: str) -> TherapistFigures:
    total = TherapistFigures(therapist_id=0, name=name)
    weighted = 0.0
    for part in parts:
        for attr in (
            "clients",
            "open_risk",
            "alliance_clients",
            "not_on_track",
            "outcome_clients",
            "ended",
            "dropped_out",
            "attended",
            "checkins",
        ):
            setattr(total, attr, getattr(total, attr) + getattr(part, attr))
        if part.mean_alliance is not None:
            weighted += part.mean_alliance * part.alliance_clients
    total.mean_alliance = weighted / total.alliance_clients if total.alliance_clients else None
    return total


def _latest_alliance_share(trend: Trend | None) -> float | None:
    """A client's latest alliance total as a percentage of its scale (0-100), so clients
    on different measures (check-in and SRS 0-40, WAI-SR 1-5) can be averaged."""
    if trend is None or not trend.values:
        return None
    scale = _scale(trend.instrument)
    if scale is None:
        return None
    low, high = scale
    return 100.0 * (trend.values[-1] - low) / (high - low)


@lru_cache(maxsize=32)
def _scale(instrument_id: str) -> tuple[float, float] | None:
    try:
        total = get_instrument(instrument_id).total
    except InstrumentNotFound:
        return None
    if total is None or total.max <= total.min:
        return None
    return float(total.min), float(total.max)


def team_figures(user, rows: Sequence, *, now: dt.datetime) -> TeamFigures:
    """Per-therapist figures for the user's current clients in two queries. ``rows`` are
    caseload rows as ``caseload_for`` gives them: the current clients, and may also hold
    former ones (``include_closed``). A former client counts only in open risk answers, and
    only when the current list shows them for one (``risk_unreviewed``: a check-in link
    answered after the episode ended, say; ``clinic.views._on_list``); the other former rows
    are left out. Each therapist with a current client, or with such a former client, has a
    row; the supervisor's own row is marked ``is_you``.

    Open risk answers: clients on the current list with a risk answer nobody has followed up
    (``risk_unreviewed``; one per client, however many answers), former ones listed there for
    it included: a risk answer waiting is counted wherever it is listed, or the figure reads 0
    above a row tagged "Risk answer". Mean alliance: each client's
    latest alliance total in their current episode (the session check-in, else the alliance
    measure with the most ratings), however long ago, as a percentage of its scale. Not on
    track: clients whose not-on-track signal is active (open, acknowledged, action logged or
    snoozed: snoozing defers the work, the client is still off track; a dismissed alert is
    left out, the therapist judged it not to apply) among those with two or more scores on
    their outcome measure with the most scores. Dropout: all ended episodes of the
    therapist's clients, current and former, at any time (each counted with the client's
    therapist now) ending with "client dropped out", against the 19.7% base rate (Swift &
    Greenberg 2012); under ``DROPOUT_MIN_ENDED`` ended episodes the page shows the count,
    not a rate. Check-in completion: attended sessions of the last twelve weeks, of current
    and former clients, that have a check-in given for them (any alliance measure, once per
    session) among all attended sessions of those weeks.
    """
    figures: dict[int, TherapistFigures] = {}
    for row in rows:
        if row.is_former and not row.risk_unreviewed:
            continue  # on the former clients' list only: no figure counts them
        therapist = row.client.therapist
        item = figures.setdefault(
            therapist.pk,
            TherapistFigures(
                therapist_id=therapist.pk,
                name=str(therapist),
                is_you=therapist.pk == user.pk,
                inactive=not therapist.is_active,
            ),
        )
        if row.risk_unreviewed:
            item.open_risk += 1
        if row.is_former:
            continue  # listed for the risk answer only: not one of the current clients
        item.clients += 1
        latest = _latest_alliance_share(row.alliance_trend)
        if latest is not None:
            item.mean_alliance = ((item.mean_alliance or 0.0) * item.alliance_clients + latest) / (
                item.alliance_clients + 1
            )
            item.alliance_clients += 1
        if row.outcome_trend is not None and row.outcome_trend.count >= 2:
            item.outcome_clients += 1
            if any(a.kind == "not_on_track" for a in row.active_alerts):
                item.not_on_track += 1
    scope = clients_for(user)
    since = now - dt.timedelta(days=COMPLETION_WINDOW_DAYS)
    for therapist_id, ended, dropped in (
        Episode.objects.filter(client__in=scope, phase=Phase.CLOSED)
        .values_list("client__therapist_id")
        .annotate(
            ended=Count("pk"), dropped=Count("pk", filter=Q(end_reason=EndReason.DROPPED_OUT))
        )
        .values_list("client__therapist_id", "ended", "dropped")
    ):
        if therapist_id in figures:
            figures[therapist_id].ended = ended
            figures[therapist_id].dropped_out = dropped
    from rapport.clinic.models import Appointment

    # One definition, numerator inside the denominator: a check-in counts only for a session
    # marked attended (one answered after a session still "Scheduled", or imported with no
    # session that day, rates no attended session). Any alliance measure counts (the session
    # check-in, or the SRS where the clinic asks it), once per session: a client who
    # answered on the phone and then on the tablet gave one check-in.
    has_checkin = Q(responses__instrument_id__in=stored_ids(("alliance",)))
    for therapist_id, attended, rated in (
        Appointment.objects.filter(
            episode__client__in=scope,
            attendance=Attendance.ATTENDED,
            starts_at__gte=since,
            starts_at__lte=now,
        )
        .values_list("episode__client__therapist_id")
        .annotate(
            attended=Count("pk", distinct=True),
            rated=Count("pk", distinct=True, filter=has_checkin),
        )
        .values_list("episode__client__therapist_id", "attended", "rated")
    ):
        if therapist_id in figures:
            figures[therapist_id].attended = attended
            figures[therapist_id].checkins = rated
    ordered = sorted(figures.values(), key=lambda f: f.name.casefold())
    return TeamFigures(
        therapists=ordered,
        total=_combine(ordered, "Team"),
        time_alerts_notice=caseload_notice(user, now=now),
    )


#: The instances the detectors pass over (``current_signals(dismissed=...)``): those the
#: therapist dismissed, and late answers they have seen (acknowledged, or logged an action
#: on; ``current.late_answers``). A late answer's row keeps its key once seen (``services._sync``),
#: and a row taking a late key starts unacknowledged, so its ``acknowledged_at`` is about
#: that answer.
PASSED_OVER = Q(status=AlertStatus.DISMISSED) | Q(
    signal_key__contains=LATE_KEY, acknowledged_at__isnull=False
)


#: The "pushed or overridden" rows the therapist has seen the instance of: acknowledged or
#: acted on (``acknowledged_at``; a row taking a new key starts unacknowledged,
#: ``services._sync``) or dismissed.
PUSHED_SEEN_ROWS = Q(kind="pushed_or_overridden") & (
    Q(status=AlertStatus.DISMISSED) | Q(acknowledged_at__isnull=False)
)


def passed_over(ids: Sequence[int]) -> dict[int, set[tuple[str, str]]]:
    """Each episode's instances the detectors pass over (``PASSED_OVER``): dismissed, or
    late answers seen; and, marked ``PUSHED_SEEN``, the "pushed" answers seen, which clear
    once a later check-in says "no" (``current._pushed``)."""
    found: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for episode_id, kind, key in Alert.objects.filter(PASSED_OVER, episode_id__in=ids).values_list(
        "episode_id", "kind", "signal_key"
    ):
        found[episode_id].add((kind, key))
    rows = Alert.objects.filter(PUSHED_SEEN_ROWS, episode_id__in=ids).values_list(
        "episode_id", "kind", "signal_key", "seen"
    )
    for episode_id, kind, key, seen in rows:
        # A row acknowledged before ``seen`` kept the keys seen on it: trust the key only
        # if it is among them (its acknowledgement may be of an earlier answer).
        if not seen or key in (seen.get("keys") or []):
            found[episode_id].add((kind, key + PUSHED_SEEN))
    return found


def late_seen(ids: Sequence[int]) -> dict[int, dict[str, Alert]]:
    """Each episode's latest row, per kind, of a late answer the therapist has seen
    (``PASSED_OVER``, late keys only), with what they had seen on it (``Alert.seen``): an
    instance already seen there starts acknowledged when it takes the kind back
    (``services._carry_seen``)."""
    found: dict[int, dict[str, Alert]] = defaultdict(dict)
    rows = (
        Alert.objects.filter(PASSED_OVER, signal_key__contains=LATE_KEY, episode_id__in=ids)
        .only(
            "episode_id",
            "kind",
            "seen",
            "acknowledged_at",
            "acknowledged_by_id",
            "dismissed_at",
            "dismissed_by_id",
        )
        .order_by("pk")
    )
    for row in rows:
        found[row.episode_id][row.kind] = row
    return found
