"""Builders for monitoring's database tests: episodes with weekly sessions and responses.

Responses go through the colleague's ``rapport.measures.services.response_record`` when it
exists (it fires the monitoring hooks), otherwise through a small stand-in that scores with
``rapport.measures.scoring.score`` and stores the row the same way.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

from django.utils import timezone

from rapport.clinic.models import Appointment, Attendance, Client, Episode, Goal
from rapport.measures.models import Response
from rapport.measures.scoring import score
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.signals.adapter import find_instrument

try:  # the colleague's writing service, once it lands
    from rapport.measures.services import response_record
except ImportError:  # pragma: no cover - depends on the tree's state
    response_record = None

#: A fixed clock for time rules: a Monday noon.
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
_keys = itertools.count(1)


def instrument_id(name: str) -> str:
    """The registered id, whichever spelling the registry uses today (phq9 / phq-9)."""
    return find_instrument(name).id


def outcome_answers(name: str, total: int) -> dict:
    """Answers adding up to ``total``, with risk items at 0."""
    instrument = find_instrument(name)
    risk = {r.item for r in instrument.risk_items}
    items = [instrument.item(i) for i in instrument.total.items if i not in risk]
    answers = {i: 0 for i in instrument.total.items}
    remaining = total
    reverse = set(instrument.reverse_keyed)
    for item in items:
        low, high = int(item.min_value), int(item.max_value)
        take = min(high - low, remaining)
        remaining -= take
        # Reverse-keyed items score (min + max - answer).
        answers[item.id] = high - take if item.id in reverse else low + take
    assert remaining == 0, f"{name} cannot reach {total}"
    return answers


def checkin_answers(goals: int, tasks: int, bond: int, overall: int | None = None, pushed: int = 0):
    return {
        "goals": goals,
        "approach": tasks,
        "relationship": bond,
        "overall": overall if overall is not None else round((goals + tasks + bond) / 3),
        "pushed": pushed,
    }


def record(client, name: str, answers: dict, *, at, appointment=None, episode=None) -> Response:
    iid = instrument_id(name)
    key = f"test-{next(_keys)}"
    if response_record is not None:
        response, _ = response_record(
            client=client,
            instrument_id=iid,
            answers=answers,
            source="tablet",
            idempotency_key=key,
            administered_at=at,
            episode=episode,
            appointment=appointment,
        )
        return response
    result = score(find_instrument(iid), answers)
    return Response.objects.create(  # pragma: no cover - stand-in until the service lands
        client=client,
        episode=episode or (appointment.episode if appointment else None),
        appointment=appointment,
        instrument_id=iid,
        instrument_version=result.instrument_version,
        administered_at=at,
        source="tablet",
        idempotency_key=key,
        item_values=dict(result.item_values),
        text_answers=json.dumps(dict(result.text_answers)) if result.text_answers else "",
        total=result.total,
        subscales=dict(result.subscales),
        band=result.band or "",
        completeness=result.completeness,
        risk_flags=list(result.risk_flags),
    )


def make_episode(
    therapist,
    name: str = "Test Client",
    *,
    sessions: int,
    now: dt.datetime = NOW,
    goals: tuple[str, ...] = ("Sleep through the night",),
    birth_year: int = 1985,
    **episode_fields,
) -> tuple[Client, Episode, list[Appointment]]:
    """A client whose weekly sessions ended the day before ``now`` (all attended), plus
    one booked next week."""
    client = Client.objects.create(
        clinic=therapist.clinic, therapist=therapist, display_name=name, birth_year=birth_year
    )
    first = now - dt.timedelta(days=1 + 7 * (sessions - 1))
    episode = Episode.objects.create(
        client=client, started_on=timezone.localdate(first), **episode_fields
    )
    for text in goals:
        Goal.objects.create(episode=episode, text=text)
    held = [
        Appointment.objects.create(
            episode=episode,
            starts_at=first + dt.timedelta(days=7 * i),
            attendance=Attendance.ATTENDED,
        )
        for i in range(sessions)
    ]
    Appointment.objects.create(episode=episode, starts_at=now + dt.timedelta(days=6))
    return client, episode, held


def checkins(client, appointments, totals_or_parts, *, pushed=None):
    """One check-in after each appointment. Each entry is a total (split evenly over the
    four scales) or a (goals, tasks, bond) tuple."""
    pushed = pushed or {}
    for index, (appointment, value) in enumerate(zip(appointments, totals_or_parts, strict=False)):
        if value is None:
            continue
        if isinstance(value, tuple):
            answers = checkin_answers(*value, pushed=pushed.get(index + 1, 0))
        else:
            quarter, extra = divmod(int(value), 4)
            parts = [quarter + (1 if i < extra else 0) for i in range(4)]
            answers = checkin_answers(
                parts[0], parts[1], parts[2], parts[3], pushed.get(index + 1, 0)
            )
        record(
            client,
            CHECKIN,
            answers,
            at=appointment.starts_at + dt.timedelta(hours=1),
            appointment=appointment,
        )


def outcomes(client, appointments, totals, name: str = "phq9"):
    """One outcome score before each appointment."""
    for appointment, total in zip(appointments, totals, strict=False):
        if total is None:
            continue
        record(
            client,
            name,
            outcome_answers(name, total),
            at=appointment.starts_at - dt.timedelta(hours=1),
            appointment=appointment,
        )


def bulk_history(client, appointments, *, alliance=(), outcome=(), name: str = "phq9"):
    """Store scored responses in one query (no service, no hooks): for large caseloads."""
    rows = []
    for kind, totals in (("session-checkin", alliance), (name, outcome)):
        iid = instrument_id(kind)
        for appointment, total in zip(appointments, totals, strict=False):
            if total is None:
                continue
            if kind == "session-checkin":
                quarter = total / 4
                subscales = {
                    "goals": quarter,
                    "tasks": quarter,
                    "bond": quarter,
                    "overall": quarter,
                }
                items = {"pushed": 0}
            else:
                subscales, items = {}, {}
            rows.append(
                Response(
                    client=client,
                    episode=appointment.episode,
                    appointment=appointment,
                    instrument_id=iid,
                    instrument_version="1",
                    administered_at=appointment.starts_at,
                    source="import",
                    idempotency_key=f"bulk-{next(_keys)}",
                    total=total,
                    subscales={**subscales, "pushed": 0} if subscales else {},
                    item_values=items,
                )
            )
    Response.objects.bulk_create(rows)


def as_shown(alert, data: dict | None = None) -> dict:
    """A form about ``alert`` as its page sends it: with the alert's version as it is now
    (``services.alert_version``: the page was shown just before this is sent)."""
    from rapport.monitoring.models import Alert
    from rapport.monitoring.services import alert_version

    return {**(data or {}), "shown": alert_version(Alert.objects.get(pk=alert.pk))}


def active(episode) -> dict[str, Alert]:
    """The episode's alerts still shown (neither resolved nor dismissed), by kind."""
    return {
        a.kind: a
        for a in Alert.objects.filter(episode=episode).exclude(
            status__in=[AlertStatus.RESOLVED, AlertStatus.DISMISSED]
        )
    }


def day(moment: dt.datetime) -> str:
    """``moment``'s date as the pages write it ("7 Dec")."""
    local = timezone.localdate(moment)
    return f"{local.day} {local:%b}"
