"""When a score was answered, where that is not the day of the session it is placed at.

Monitoring numbers a score by the session it is about (``series``): a check-in about the
session of 29 Nov answered on 2 Dec, or a PHQ-9 answered on 4 Dec before the session of
6 Dec, reads "session 4" and "session 5". Beside a session's date that reads as given that
day, as the check-ins table read before it said "(answered 2 Dec)": the panel's table, its
charts' text and the alert cards say so the same way (``checkins/includes/session_date.html``
is the check-ins table's wording).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapport.monitoring.instruments import canonical
from rapport.monitoring.series import EpisodeSeries
from rapport.monitoring.signals import Observation
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import MonitoringError

__all__ = ["AnsweredApart", "alert_answered_apart", "answered_note", "answered_on"]


@dataclass(frozen=True)
class AnsweredApart:
    """A score of ``title`` placed at ``session`` (held on ``session_date``), answered on
    another day, ``answered``."""

    session: int
    session_date: dt.date
    title: str
    answered: dt.date


def answered_on(data: EpisodeSeries, observation: Observation) -> dt.date | None:
    """The day the score was answered when that is not its session's day, else None (also
    for an episode without dated sessions, whose answers are numbered in order)."""
    held = next((s.date for s in data.sessions if s.number == observation.session), None)
    if held is None or observation.date is None or observation.date == held:
        return None
    return observation.date


def answered_note(data: EpisodeSeries, observation: Observation) -> str:
    """ " (answered 2 Dec)" after a score answered on another day than its session, else "".
    English, as the rest of the charts' text and table cells (``charts``)."""
    day = answered_on(data, observation)
    return f" (answered {day.day} {day:%b})" if day else ""


def _title(instrument: str) -> str:
    try:
        return find_instrument(instrument).short_title
    except MonitoringError:
        return instrument


def _same(stored: Any, score: float) -> bool:
    try:
        return math.isclose(float(stored), score, abs_tol=0.01)
    except (TypeError, ValueError):
        return False


#: The sessions an alert names with a score, each with the evidence key of that score: its
#: own session (the score that raised it, or the pushed answer), a rupture's session (for a
#: repair) and the intake (for change and not-on-track). A recent level is a mean of
#: several ratings, not one answer, and is left out.
_SCORED_SESSIONS = (("rupture_session", "rupture_score"), ("intake_session", "intake_score"))


def _explained(alert, evidence: Mapping[str, Any], session: int, day: dt.date) -> bool:
    """Whether the alert's explanation already says the score of ``session`` was answered
    on ``day``: a late answer's begins "The check-in about session 2 (23 Nov) was answered
    on 7 Dec, …" (``current``, evidence ``late`` and ``answered_on``), and a note under it
    saying the same again is noise."""
    return (
        evidence.get("late") is True
        and session == alert.session
        and evidence.get("answered_on") == day.isoformat()
    )


def alert_answered_apart(alert, data: EpisodeSeries | None) -> list[AnsweredApart]:
    """The scores an alert names by session that were answered on another day, oldest
    session first. Read from the episode's series as it is now, and only where it still
    holds the alert's score (a score since replaced says nothing about the alert's). A date
    the explanation already gives is not given again (``_explained``)."""
    if data is None or alert.episode_id != getattr(data.episode, "pk", None):
        return []
    instrument = canonical(alert.instrument_id) if alert.instrument_id else None
    if instrument is None:
        return []
    evidence: Mapping[str, Any] = alert.evidence if isinstance(alert.evidence, Mapping) else {}
    wanted: dict[int, Any] = {}
    if alert.session and ("score" in evidence or "answer" in evidence):
        wanted[alert.session] = evidence.get("score")
    for session_key, score_key in _SCORED_SESSIONS:
        if isinstance(evidence.get(session_key), int) and score_key in evidence:
            wanted.setdefault(evidence[session_key], evidence[score_key])
    scored = {o.session: o for o in data.series.of(instrument)}
    held = {s.number: s.date for s in data.sessions}
    found = []
    for session in sorted(wanted):
        observation = scored.get(session)
        if observation is None or session not in held:
            continue
        if wanted[session] is not None and not _same(wanted[session], observation.score):
            continue
        day = answered_on(data, observation)
        if day is not None and not _explained(alert, evidence, session, day):
            found.append(AnsweredApart(session, held[session], _title(instrument), day))
    return found
