"""The series loader as it was before it was made faster (``monitoring/series.py`` at
2f86072: ``timezone.localtime`` per date, every response's whole ``item_values`` decoded),
kept as the reference the faster one must agree with (test_recompute_prepared.py).
Copied verbatim but for the imports and two rules made since, which are no part of the
speed-up and which both loaders now follow (marked "Since"): the episode's planned ending in
its attributes (9f1e901) and no missed appointment for one the therapist or the clinic
cancelled (aaf1d9f). Not used by the application."""

# ruff: noqa

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from django.db.models import Q
from django.utils import timezone

from rapport.checkins.selectors import after_session_instruments
from rapport.clinic.models import MISSED, Appointment, Attendance, CancelledBy, Episode, Phase
from rapport.measures.models import Response
from rapport.monitoring.instruments import PUSHED_ITEM, canonical, kind_of, stored_ids
from rapport.monitoring.series import (
    PRE_SESSION_DAYS,
    EpisodeSeries,
    ResponseRow,
    SessionPoint,
    youngest_age,
)
from rapport.monitoring.signals import AttendanceRecord, ClientSeries, Observation
from rapport.monitoring.signals.dropout import EpisodeAttributes
from rapport.monitoring.signals.model import AttendanceStatus


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _pushed(row: ResponseRow) -> int | None:
    value = row.item_values.get(PUSHED_ITEM)
    if value is None:
        value = row.subscales.get(PUSHED_ITEM)
    return int(value) if isinstance(value, int | float) and int(value) in (0, 1, 2) else None


def _observation(row: ResponseRow, instrument: str, session: int) -> Observation:
    parts = {
        k: float(v)
        for k, v in row.subscales.items()
        if k != PUSHED_ITEM and isinstance(v, int | float)
    }
    return Observation(
        instrument=instrument,
        session=session,
        score=float(row.total),  # type: ignore[arg-type]  # rows without a total are skipped
        date=_local_date(row.administered_at),
        subscales=parts,
        pushed=_pushed(row) if kind_of(instrument) == "alliance" else None,
    )


def _place(row: ResponseRow, kind: str, sessions: Sequence[SessionPoint], by_appt, by_date) -> int:
    if row.appointment_id in by_appt:
        return by_appt[row.appointment_id]
    day = _local_date(row.administered_at)
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


def build_series(
    episode: Episode,
    *,
    appointments: Iterable[tuple[int, dt.datetime, str, str]],
    responses: Iterable[ResponseRow],
    now: dt.datetime,
    birth_year: int | None,
    trainee: bool,
) -> EpisodeSeries:
    """The series of one episode from plain rows (no queries)."""
    today = timezone.localdate(now)
    responses = list(responses)
    answered_for = {r.appointment_id for r in responses if r.appointment_id is not None}
    sessions: list[SessionPoint] = []
    attendance: list[AttendanceRecord] = []
    for pk, starts_at, status, by in sorted(appointments, key=lambda a: (a[1], a[0])):
        day = _local_date(starts_at)
        # Since aaf1d9f: one the therapist or the clinic called off is not missed.
        missed = status in MISSED and by != CancelledBy.CLINIC
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
    for row in sorted(responses, key=lambda r: (r.administered_at, r.pk)):
        instrument = canonical(row.instrument_id)
        kind = kind_of(row.instrument_id)
        if instrument is None or kind not in ("outcome", "alliance") or row.total is None:
            continue
        if sessions:
            session = _place(row, kind, sessions, by_appt, by_date)
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
        chosen[key] = (own, row.pk, _observation(row, instrument, session))

    series = ClientSeries(
        client=str(episode.client_id),
        today=today,
        observations=tuple(item[2] for item in chosen.values()),
        attendance=tuple(attendance),
        attributes=EpisodeAttributes(
            age=youngest_age(birth_year, today),
            mandated=episode.is_mandated,
            trainee_therapist=trainee,
            planned_ending=episode.phase == Phase.ENDING,  # Since 9f1e901.
        ),
    )
    return EpisodeSeries(
        episode=episode,
        series=series,
        sessions=tuple(sessions),
        response_ids={key: item[1] for key, item in chosen.items()},
    )


def _response_rows(queryset) -> list[tuple[int | None, int, ResponseRow]]:
    fields = (
        "episode_id",
        "client_id",
        "pk",
        "instrument_id",
        "administered_at",
        "total",
        "subscales",
        "item_values",
        "appointment_id",
    )
    return [
        (episode_id, client_id, ResponseRow(pk, iid, at, total, subs or {}, items or {}, appt))
        for episode_id, client_id, pk, iid, at, total, subs, items, appt in queryset.values_list(
            *fields
        )
    ]


def load_many(episodes: Sequence[Episode], *, now: dt.datetime) -> list[EpisodeSeries]:
    """Series for many episodes in two queries (episodes with client and therapist loaded).

    Responses stored without an episode count for the client's episode that was running
    when they were given.
    """
    if not episodes:
        return []
    ids = [e.pk for e in episodes]
    client_ids = [e.client_id for e in episodes]
    appointments: dict[int, list] = defaultdict(list)
    for pk, episode_id, starts_at, status, by in Appointment.objects.filter(
        episode_id__in=ids
    ).values_list("pk", "episode_id", "starts_at", "attendance", "cancelled_by"):
        appointments[episode_id].append((pk, starts_at, status, by))
    responses: dict[int, list[ResponseRow]] = defaultdict(list)
    loose: dict[int, list[ResponseRow]] = defaultdict(list)
    # As of ``now``: a recompute for a past moment sees only what had arrived by then.
    queryset = Response.objects.filter(
        instrument_id__in=stored_ids(), administered_at__lte=now
    ).filter(Q(episode_id__in=ids) | Q(episode__isnull=True, client_id__in=client_ids))
    for row_episode_id, client_id, row in _response_rows(queryset):
        if row_episode_id is not None:
            responses[row_episode_id].append(row)
        else:
            loose[client_id].append(row)
    after = after_session_instruments(episodes)
    result = []
    for episode in episodes:
        rows = list(responses[episode.pk])
        for row in loose.get(episode.client_id, ()):
            day = _local_date(row.administered_at)
            if day >= episode.started_on and (episode.ended_on is None or day <= episode.ended_on):
                rows.append(row)
        built = build_series(
            episode,
            appointments=appointments[episode.pk],
            responses=rows,
            now=now,
            birth_year=episode.client.birth_year,
            trainee=bool(episode.client.therapist.is_trainee),
        )
        checkin = canonical(after[episode.pk]) if after[episode.pk] else None
        placed = frozenset(row.pk for row in rows if row.total is not None)
        result.append(replace(built, checkin_instrument=checkin, placed_ids=placed))
    return result
