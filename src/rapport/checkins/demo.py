"""Synthetic check-in answers for the demo clinic, so its client pages show charts.

Most attended appointments get a PHQ-9 before and a session check-in after. Symptoms ease
over the weeks with noise; two clients have an alliance drop (one repaired, one not), one
felt "a little" pushed once, and one answered PHQ-9 item 9 above zero at the last session,
so the risk notice can be seen. Each client answered the C-NIP (therapy preferences) before
their first session. All people and answers are invented.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from rapport.checkins.instruments import PHQ9, SESSION_CHECKIN
from rapport.clinic.models import Attendance, Client, Clinic
from rapport.measures.models import ResponseSource
from rapport.measures.registry import get_instrument
from rapport.measures.services import response_record

__all__ = ["add_demo_responses"]

CNIP = "cnip"

COMMENTS = [
    "Could we spend more time on my goals next time?",
    "It helped to talk about work.",
    "Maybe a bit slower when we get to family things.",
    "I'd like some ideas to try during the week.",
    "Nothing, this was good.",
]
# Client positions (in creation order) with a story the demo should show.
DROP_REPAIRED = 1
# One unrepaired drop in each demo therapist's caseload (clients alternate Alex, Sam).
DROP_UNREPAIRED = (6, 7)
A_LITTLE_PUSHED = 2
RISK_ANSWER = 11


def _phq9_items(total: int, rng: random.Random, *, item9: int = 0) -> dict[str, int]:
    """Nine 0-3 answers adding up to ``total`` (item 9 fixed), spread at random."""
    values = [0] * 9
    values[8] = item9
    remaining = max(0, min(total - item9, 24))
    while remaining:
        index = rng.randrange(8)
        if values[index] < 3:
            values[index] += 1
            remaining -= 1
    answers = {f"phq9_{n}": v for n, v in enumerate(values, start=1)}
    answers["phq9_10"] = min(3, total // 7)
    return answers


def _checkin(level: float, rng: random.Random, *, pushed: int = 0, comment: str = "") -> dict:
    def scale() -> int:
        return max(0, min(10, round(level + rng.uniform(-0.6, 0.6))))

    answers: dict[str, object] = {
        "goals": scale(),
        "approach": scale(),
        "relationship": scale(),
        "overall": scale(),
        "pushed": pushed,
    }
    if comment:
        answers["differently"] = comment
    return answers


def add_demo_responses(clinic: Clinic, rng: random.Random) -> None:
    for position, client in enumerate(Client.objects.filter(clinic=clinic).order_by("pk")):
        _client_story(client, position, rng)


def _client_story(client: Client, position: int, rng: random.Random) -> None:
    intake = rng.randint(8, 22)
    # Most clients rate the relationship high (alliance scales show a ceiling effect), so
    # only the demo's planned stories should stand out.
    alliance = rng.uniform(9.0, 9.8)
    for episode in client.episodes.all():
        attended = list(
            episode.appointments.filter(attendance=Attendance.ATTENDED).order_by("starts_at")
        )
        count = len(attended)
        if attended:
            _record(
                client,
                attended[0],
                CNIP,
                _cnip_items(random.Random(client.pk)),
                attended[0].starts_at - timedelta(days=1),
            )
        for week, appointment in enumerate(attended):
            last = week == count - 1
            item9 = 1 if position == RISK_ANSWER and last else 0
            # Not every session has answers, but the planned risk answer is always there
            # (which session comes last depends on the day the demo is built).
            if rng.random() < 0.12 and not item9:
                continue
            symptoms = intake * math.exp(-0.09 * week) + rng.uniform(-2, 2)
            _record(
                client,
                appointment,
                PHQ9,
                _phq9_items(round(max(item9, min(27, symptoms))), rng, item9=item9),
                appointment.starts_at - timedelta(hours=2),
            )
            level, pushed = _alliance(position, week, count, alliance)
            comment = rng.choice(COMMENTS) if rng.random() < 0.25 else ""
            if pushed:
                comment = "I felt rushed into talking about my dad."
            _record(
                client,
                appointment,
                SESSION_CHECKIN,
                _checkin(level, rng, pushed=pushed, comment=comment),
                appointment.starts_at + timedelta(minutes=appointment.duration_minutes + 10),
            )


def _cnip_items(rng: random.Random) -> dict[str, int]:
    """Preferences at intake: each client leans one way on each scale, some strongly.
    A generator of its own, so the demo's other stories stay as they were."""
    instrument = get_instrument(CNIP)
    answers = {}
    for subscale in instrument.subscales:
        lean = rng.choice([-2.5, -1.0, 0.0, 1.0, 2.5])
        for item_id in subscale.items:
            answers[item_id] = max(-3, min(3, round(lean + rng.uniform(-1, 1))))
    return answers


def _alliance(position: int, week: int, count: int, base: float) -> tuple[float, int]:
    """(scale level, pushed answer) for this session of this client's story."""
    drop_at = max(2, count // 2)
    if (position == DROP_REPAIRED or position in DROP_UNREPAIRED) and week >= drop_at:
        if week == drop_at:
            return base - 3.5, 2 if position in DROP_UNREPAIRED else 1
        if position in DROP_UNREPAIRED:
            return base - 3.0, 0
        return base - (1.5 if week == drop_at + 1 else 0.2), 0
    if position == A_LITTLE_PUSHED and week == max(1, count - 2):
        return base - 1.0, 1
    return base, 0


def _record(client, appointment, instrument_id: str, answers: dict, when) -> None:
    response_record(
        client=client,
        instrument_id=instrument_id,
        answers=answers,
        source=ResponseSource.LINK,
        idempotency_key=f"demo:{appointment.pk}:{instrument_id}",
        administered_at=when,
        episode=appointment.episode,
        appointment=appointment,
        actor="client-link",
    )
