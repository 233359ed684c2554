"""From the database to the pure library: one episode's responses and appointments as a
:class:`~rapport.monitoring.signals.ClientSeries`.

Session numbers are the order of the episode's *attended* appointments (1, 2, 3...), so the
outcome measure before session 4 and the check-in after it share the number 4, and
"one check-in per attended session" can be checked. An appointment not marked attended
(not yet held, nobody marked it, or the client missed it) that a response was given for is
numbered as a session too: the PHQ-9 sent before the next session is that session's, and
one answered before a session the client then missed still counts (a worse score must not
vanish from the alerts because the session was marked missed).
A response is placed at:

1. the appointment it was given for (check-in links carry it), else
2. the attended session on the same day, else
3. for outcome measures (asked before a session) the next session within three days, else
   the previous one; for alliance check-ins (asked after) the previous session, else the
   next one; else session 0 (intake, before any session).

Two responses of one instrument at one session: the newer counts (the client corrected
themselves), except that one placed there by its date never replaces one given for that
session's own appointment. An episode with responses but no attended appointment numbers each
instrument's responses in order. Missed and cancelled appointments are attendance records
at the number of the last session before them, except those the therapist or the clinic
cancelled (``CancelledBy.CLINIC``): they say nothing about the client's engagement.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone

from rapport.checkins.selectors import after_session_instruments
from rapport.clinic.models import MISSED, Appointment, Attendance, CancelledBy, Episode, Phase
from rapport.measures.models import Response
from rapport.monitoring.instruments import CHECKIN, PUSHED_ITEM, canonical, kind_of, stored_ids
from rapport.monitoring.signals import (
    DEFAULT_DROPOUT_MODEL,
    AttendanceRecord,
    ChangeCriteria,
    ClientSeries,
    DetectorConfig,
    DropoutModel,
    FeedbackCriteria,
    Observation,
    TrajectoryModel,
    criteria_for,
    default_trajectory,
)
from rapport.monitoring.signals.dropout import EpisodeAttributes
from rapport.monitoring.signals.errors import CriteriaError, MonitoringError
from rapport.monitoring.signals.model import AttendanceStatus

__all__ = [
    "EpisodeSeries",
    "ResponseRow",
    "SessionPoint",
    "build_series",
    "detector_config",
    "load_episode_series",
    "load_inputs",
    "load_many",
    "youngest_age",
]

#: An outcome measure answered up to three days before a session belongs to it.
PRE_SESSION_DAYS = 3


@dataclass(frozen=True, slots=True)
class SessionPoint:
    number: int
    date: dt.date
    appointment_id: int


@dataclass(frozen=True, slots=True)
class ResponseRow:
    pk: int
    instrument_id: str  # as stored
    administered_at: dt.datetime
    total: float | None
    subscales: dict
    item_values: dict
    appointment_id: int | None


@dataclass(frozen=True)
class EpisodeSeries:
    """An episode's series for the detectors, and how its sessions map to dates."""

    episode: Episode
    series: ClientSeries
    sessions: tuple[SessionPoint, ...]
    #: The response behind each observation: (instrument, session) -> response pk.
    response_ids: dict[tuple[str, int], int] = field(default_factory=dict)
    #: The check-in asked after each session (its schedule), whose silence is noticed;
    #: None when the episode asks nothing after sessions.
    checkin_instrument: str | None = CHECKIN
    #: The scored answers handed to the series (the episode's own, and those stored without
    #: an episode given within its dates): each placed at a session, where one per
    #: instrument counts (``response_ids``); the others were replaced there.
    placed_ids: frozenset[int] = frozenset()
    #: What the series was built from, in short (``load_inputs``): equal inputs read later
    #: mean an equal series, so a recompute may reuse one built before it took its locks.
    inputs: Any = field(default=None, compare=False, repr=False)

    def session_on(self, day: dt.date) -> float:
        """Where a date falls on the session axis: k for the day of session k, k + 0.5
        between sessions k and k + 1 (used to place a repair action on the chart)."""
        dates = [s.date for s in self.sessions]
        index = bisect.bisect_right(dates, day)
        if index == 0:
            return 0.5 if self.sessions else 0.0
        before = self.sessions[index - 1]
        return float(before.number) if before.date == day else before.number + 0.5


def _local_date(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.date:
    """The day of ``moment`` in the clinic's time zone. ``timezone.localtime`` does the same,
    but looks the zone up in a thread-local each time: a quarter of a whole-clinic recompute
    went there (one call per response and appointment), so loaders pass the zone they
    resolved once."""
    if not timezone.is_aware(moment):
        return moment.date()
    return moment.astimezone(tz or timezone.get_current_timezone()).date()


def _pushed(row: ResponseRow) -> int | None:
    value = row.item_values.get(PUSHED_ITEM)
    if value is None:
        value = row.subscales.get(PUSHED_ITEM)
    return int(value) if isinstance(value, int | float) and int(value) in (0, 1, 2) else None


def _observation(
    row: ResponseRow, instrument: str, session: int, tz: dt.tzinfo | None = None
) -> Observation:
    parts = {
        k: float(v)
        for k, v in row.subscales.items()
        if k != PUSHED_ITEM and isinstance(v, int | float)
    }
    return Observation(
        instrument=instrument,
        session=session,
        score=float(row.total),  # type: ignore[arg-type]  # rows without a total are skipped
        date=_local_date(row.administered_at, tz),
        subscales=parts,
        pushed=_pushed(row) if kind_of(instrument) == "alliance" else None,
    )


def _place(
    row: ResponseRow,
    kind: str,
    sessions: Sequence[SessionPoint],
    by_appt,
    by_date,
    tz: dt.tzinfo | None = None,
) -> int:
    if row.appointment_id in by_appt:
        return by_appt[row.appointment_id]
    day = _local_date(row.administered_at, tz)
    if day in by_date:
        return by_date[day]
    dates = [s.date for s in sessions]
    index = bisect.bisect_right(dates, day)
    previous = sessions[index - 1] if index > 0 else None
    following = sessions[index] if index < len(sessions) else None
    if kind == "outcome":
        if following and (following.date - day).days <= PRE_SESSION_DAYS:
            return following.number
        return previous.number if previous else 0
    if previous:
        return previous.number
    return following.number if following else 0


def youngest_age(birth_year: int | None, today: dt.date) -> int | None:
    """The youngest the client may be today, knowing only the birth year.

    ``today.year - birth_year`` is the age reached by the end of this year, up to a year
    too old before the birthday. Age enters only "under 25" rules (the dropout factor and
    the ``young`` guidance condition; younger clients leave early more often, Swift &
    Greenberg 2012), and a risk factor should not be missed for a client who may still be
    24, so the lower bound is used.
    """
    if not birth_year:
        return None
    return max(0, today.year - birth_year - 1)


def build_series(
    episode: Episode,
    *,
    appointments: Iterable[tuple[int, dt.datetime, str] | tuple[int, dt.datetime, str, str]],
    responses: Iterable[ResponseRow],
    now: dt.datetime,
    birth_year: int | None,
    trainee: bool,
    tz: dt.tzinfo | None = None,
) -> EpisodeSeries:
    """The series of one episode from plain rows (no queries); ``tz`` is the time zone
    whose days count (the current one when not given)."""
    tz = tz or timezone.get_current_timezone()
    today = timezone.localdate(now, tz)
    responses = list(responses)
    answered_for = {r.appointment_id for r in responses if r.appointment_id is not None}
    sessions: list[SessionPoint] = []
    attendance: list[AttendanceRecord] = []
    for pk, starts_at, status, *by in sorted(appointments, key=lambda a: (a[1], a[0])):
        day = _local_date(starts_at, tz)
        # Called off by the therapist or the clinic: it says nothing about the client's
        # engagement, so it is no missed appointment for dropout risk. The client's own
        # cancellations, no-shows and those whose canceller was not recorded count.
        missed = status in MISSED and not (by and by[0] == CancelledBy.CLINIC)
        if starts_at <= now and status == Attendance.ATTENDED:
            sessions.append(SessionPoint(len(sessions) + 1, day, pk))
            attendance.append(AttendanceRecord(len(sessions), "attended", day))
            continue
        if starts_at <= now and missed:
            how: AttendanceStatus = "no_show" if status == Attendance.NO_SHOW else "cancelled"
            attendance.append(AttendanceRecord(len(sessions), how, day))
        if pk in answered_for:
            # Not attended (not yet, nobody marked it, or missed), but the client answered
            # for it: the PHQ-9 sent before the next session, a session nobody marked, or a
            # session the client then missed. It is a point of its own: placed on the
            # session before, its answers would give way to that session's own, and a
            # worse score (a risk answer) would vanish from the alerts once the session was
            # marked missed. No attended record: a check-in is expected only after a
            # session known to have happened.
            sessions.append(SessionPoint(len(sessions) + 1, day, pk))
    by_appt = {s.appointment_id: s.number for s in sessions}
    by_date: dict[dt.date, int] = {}
    for s in sessions:
        by_date.setdefault(s.date, s.number)

    chosen: dict[tuple[str, int], tuple[bool, int, Observation]] = {}
    counters: dict[str, int] = defaultdict(int)
    names: dict[str, str | None] = {}  # canonical() per stored spelling, not per response
    for row in sorted(responses, key=lambda r: (r.administered_at, r.pk)):
        if row.instrument_id not in names:
            names[row.instrument_id] = canonical(row.instrument_id)
        instrument = names[row.instrument_id]
        kind = kind_of(row.instrument_id)
        if instrument is None or kind not in ("outcome", "alliance") or row.total is None:
            continue
        if sessions:
            session = _place(row, kind, sessions, by_appt, by_date, tz)
        else:
            counters[instrument] += 1
            session = counters[instrument]
        key = (instrument, session)
        # The newer response counts, but never over one given for this very session's
        # appointment by one placed here only by its date (e.g. given for an appointment
        # that was then cancelled).
        own = row.appointment_id is not None and by_appt.get(row.appointment_id) == session
        if key in chosen and chosen[key][0] and not own:
            continue
        chosen[key] = (own, row.pk, _observation(row, instrument, session, tz))

    series = ClientSeries(
        client=str(episode.client_id),
        today=today,
        observations=tuple(item[2] for item in chosen.values()),
        attendance=tuple(attendance),
        attributes=EpisodeAttributes(
            age=youngest_age(birth_year, today),
            mandated=episode.is_mandated,
            trainee_therapist=trainee,
            # Working towards a planned ending: not at risk of dropping out (dropout's
            # DROPOUT_DEFINITION). A closed episode's phase says nothing of how it ended.
            planned_ending=episode.phase == Phase.ENDING,
        ),
    )
    return EpisodeSeries(
        episode=episode,
        series=series,
        sessions=tuple(sessions),
        response_ids={key: item[1] for key, item in chosen.items()},
    )


def _responses(episodes: Sequence[Episode], now: dt.datetime):
    """The responses the series of these episodes are built from: the episodes' own, and
    the clients' stored without an episode (``_belongs`` picks the episode), as of ``now``
    (a recompute for a past moment sees only what had arrived by then)."""
    return Response.objects.filter(instrument_id__in=stored_ids(), administered_at__lte=now).filter(
        Q(episode_id__in=[e.pk for e in episodes])
        | Q(episode__isnull=True, client_id__in=[e.client_id for e in episodes])
    )


#: An appointment's time as the database stores it, as text: compared, never parsed
#: (turning thousands of them into datetimes was most of reading what a series is built from).
_STARTS_AS_STORED = Cast("starts_at", output_field=CharField())


def _appointments(
    episodes: Sequence[Episode],
) -> tuple[
    dict[int, list[tuple[int, dt.datetime, str, str]]], dict[int, list[tuple[int, str, str, str]]]
]:
    """Each episode's appointments as (pk, starts_at, attendance, cancelled_by), and as their
    ``_inputs`` keys (pk, starts_at as stored, attendance, cancelled_by)."""
    rows: dict[int, list[tuple[int, dt.datetime, str, str]]] = defaultdict(list)
    keys: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    for pk, episode_id, starts_at, stored, status, by in Appointment.objects.filter(
        episode_id__in=[e.pk for e in episodes]
    ).values_list("pk", "episode_id", "starts_at", _STARTS_AS_STORED, "attendance", "cancelled_by"):
        rows[episode_id].append((pk, starts_at, status, by))
        keys[episode_id].append((pk, stored, status, by))
    return rows, keys


def _appointment_keys(episodes: Sequence[Episode]) -> dict[int, list[tuple[int, str, str, str]]]:
    keys: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    for pk, episode_id, stored, status, by in Appointment.objects.filter(
        episode_id__in=[e.pk for e in episodes]
    ).values_list("pk", "episode_id", _STARTS_AS_STORED, "attendance", "cancelled_by"):
        keys[episode_id].append((pk, stored, status, by))
    return keys


def _belongs(episode: Episode, day: dt.date) -> bool:
    """Whether a response stored without an episode, given on ``day``, is this episode's
    (it was running then)."""
    return day >= episode.started_on and (episode.ended_on is None or day <= episode.ended_on)


def _inputs(appointments: Iterable[tuple], response_keys: Iterable[tuple], checkin: str | None):
    """What one episode's series is built from, in short: its appointments (pk, time as
    stored, attendance), each response's (pk, appointment) and the check-in it asks after
    sessions. The rest of a response never changes once stored (a risk follow-up writes only
    its own columns), and primary keys are not reused, so equal inputs mean an equal series
    for one ``now`` and the same episode, client and therapist rows (read by the caller)."""
    return (tuple(sorted(appointments)), tuple(sorted(response_keys)), checkin)


def load_many(episodes: Sequence[Episode], *, now: dt.datetime) -> list[EpisodeSeries]:
    """Series for many episodes in a few queries (episodes with client and therapist loaded).

    Responses stored without an episode count for the client's episode that was running
    when they were given. Only what the series uses is read: of the items, the "pushed"
    answer; the rest of ``item_values`` (and the responses' other JSON) is never decoded.
    """
    if not episodes:
        return []
    tz = timezone.get_current_timezone()
    appointments, appointment_keys = _appointments(episodes)
    responses: dict[int, list[ResponseRow]] = defaultdict(list)
    loose: dict[int, list[ResponseRow]] = defaultdict(list)
    for row_episode_id, client_id, pk, iid, at, total, subs, pushed, appt in _responses(
        episodes, now
    ).values_list(
        "episode_id",
        "client_id",
        "pk",
        "instrument_id",
        "administered_at",
        "total",
        "subscales",
        f"item_values__{PUSHED_ITEM}",
        "appointment_id",
    ):
        items = {} if pushed is None else {PUSHED_ITEM: pushed}
        row = ResponseRow(pk, iid, at, total, subs or {}, items, appt)
        if row_episode_id is not None:
            responses[row_episode_id].append(row)
        else:
            loose[client_id].append(row)
    after = after_session_instruments(episodes)
    result = []
    for episode in episodes:
        rows = list(responses[episode.pk])
        for row in loose.get(episode.client_id, ()):
            if _belongs(episode, _local_date(row.administered_at, tz)):
                rows.append(row)
        built = build_series(
            episode,
            appointments=appointments[episode.pk],
            responses=rows,
            now=now,
            birth_year=episode.client.birth_year,
            trainee=bool(episode.client.therapist.is_trainee),
            tz=tz,
        )
        checkin = canonical(after[episode.pk]) if after[episode.pk] else None
        placed = frozenset(row.pk for row in rows if row.total is not None)
        inputs = _inputs(
            appointment_keys[episode.pk], ((r.pk, r.appointment_id) for r in rows), checkin
        )
        result.append(replace(built, checkin_instrument=checkin, placed_ids=placed, inputs=inputs))
    return result


def load_inputs(episodes: Sequence[Episode], *, now: dt.datetime) -> dict[int, Any]:
    """Each episode's ``EpisodeSeries.inputs`` as stored now, without building anything:
    its appointments and the keys of its responses (no JSON read). A recompute that built
    the series before taking its locks reads this under them, and builds again only the
    episodes whose inputs differ (a check-in or an attendance mark that came meanwhile)."""
    if not episodes:
        return {}
    tz = timezone.get_current_timezone()
    appointments = _appointment_keys(episodes)
    keys: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    responses = _responses(episodes, now)
    for episode_id, pk, appt in responses.filter(episode__isnull=False).values_list(
        "episode_id", "pk", "appointment_id"
    ):
        keys[episode_id].append((pk, appt))
    loose: dict[int, list[tuple[int, int | None, dt.datetime]]] = defaultdict(list)
    for client_id, pk, appt, at in responses.filter(episode__isnull=True).values_list(
        "client_id", "pk", "appointment_id", "administered_at"
    ):
        loose[client_id].append((pk, appt, at))
    after = after_session_instruments(episodes)
    found = {}
    for episode in episodes:
        mine = list(keys[episode.pk])
        mine += [
            (pk, appt)
            for pk, appt, at in loose.get(episode.client_id, ())
            if _belongs(episode, _local_date(at, tz))
        ]
        checkin = canonical(after[episode.pk]) if after[episode.pk] else None
        found[episode.pk] = _inputs(appointments[episode.pk], mine, checkin)
    return found


def load_episode_series(episode: Episode, *, now: dt.datetime | None = None) -> EpisodeSeries:
    return load_many([episode], now=now or timezone.now())[0]


# -- detector configuration --------------------------------------------------------------


@lru_cache(maxsize=64)
def _criteria(instrument: str):
    try:
        return criteria_for(instrument)
    except MonitoringError:
        return None


def detector_config(
    instruments: Iterable[str],
    trajectories: dict[str, TrajectoryModel] | None = None,
    checkin: str | None = CHECKIN,
    dropout: DropoutModel | None = None,
) -> DetectorConfig:
    """Criteria from the registry for these instruments plus ``checkin``, the check-in the
    episode asks after each session (expected even before any came, so silence can be
    noticed; None when it asks nothing: then nothing is missing); the clinic's calibrated
    trajectories where it has them, the library's defaults elsewhere; the clinic's
    recalibrated dropout model (``dropout_calibration.clinic_dropout_model``) when it has
    one, else the published one (19.7% base rate)."""
    wanted = dict.fromkeys([*([checkin] if checkin else []), *instruments])
    criteria = [c for c in (_criteria(i) for i in wanted) if c is not None]
    models: dict[str, TrajectoryModel] = {}
    for c in criteria:
        if not isinstance(c, ChangeCriteria):
            continue
        if trajectories and c.instrument in trajectories:
            # A clinic's calibration is stored without the instrument's display name.
            models[c.instrument] = replace(trajectories[c.instrument], label=c.label)
            continue
        try:
            models[c.instrument] = default_trajectory(c)
        except CriteriaError:
            continue  # no cut-off: reliable change still works, a trajectory does not
    return DetectorConfig.from_criteria(
        criteria,
        trajectories=models,
        dropout=DEFAULT_DROPOUT_MODEL if dropout is None else dropout,
        feedback=FeedbackCriteria(checkin_instrument=checkin),
    )
