"""Missing check-ins: feedback only helps when it keeps coming.

Feedback works mostly when it reaches the therapist in time (Lambert, Whipple &
Kleinstäuber 2018; de Jong et al. 2021), so silence is itself worth a gentle signal. All
dates are compared with ``series.today``; nothing here reads the wall clock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from rapport.monitoring.signals.criteria import FeedbackCriteria
from rapport.monitoring.signals.model import ClientSeries, ExpectedCheckin, Signal

__all__ = ["detect_feedback_missing", "expected_checkins"]

FEEDBACK_SOURCE = (
    "Lambert, Whipple & Kleinstäuber (2018); de Jong et al. (2021): routine feedback helps "
    "when it arrives session by session."
)


def expected_checkins(series: ClientSeries, criteria: FeedbackCriteria) -> list[ExpectedCheckin]:
    """Check-ins that should have arrived by ``today``.

    The series' own expectations if it has any; otherwise one check-in of
    ``criteria.checkin_instrument`` per attended session. A check-in for a session held
    today is not yet missing: the client may still answer later that day.
    """
    if series.expected_checkins:
        expected = list(series.expected_checkins)
    elif criteria.checkin_instrument is not None:
        expected = [
            ExpectedCheckin(session=a.session, instrument=criteria.checkin_instrument, date=a.date)
            for a in series.attendance
            if a.status == "attended"
        ]
    else:
        return []
    return [e for e in expected if e.date is None or e.date < series.today]


def detect_feedback_missing(series: ClientSeries, criteria: FeedbackCriteria) -> tuple[Signal, ...]:
    """One ``feedback_missing`` signal when check-ins have stopped, as of ``today``."""
    expected = expected_checkins(series, criteria)
    session = series.latest_session
    if not expected or session is None:
        return ()
    counted = frozenset().union(*(criteria.answered_by(e.instrument) for e in expected))
    latest = _latest_checkins(series, counted)
    rules: list[str] = []
    evidence: dict[str, Any] = {"today": series.today.isoformat()}
    in_a_row = int(criteria.consecutive_missing.value)
    recent = expected[-in_a_row:]
    if len(recent) == in_a_row and not any(_came_after(e, latest, criteria) for e in recent):
        rules.append(f"the last {in_a_row} expected check-ins are missing")
        evidence["missing_sessions"] = [e.session for e in recent]
    gap = _days_without_checkin(series, expected, counted)
    if gap is not None and gap >= int(criteria.max_days.value) and _still_attending(series, gap):
        rules.append(f"no check-in for {gap} days while sessions continue")
        evidence["days_without_checkin"] = gap
    if not rules:
        return ()
    evidence["rule"] = " and ".join(rules)
    evidence["thresholds"] = {
        "consecutive_missing": in_a_row,
        "max_days": int(criteria.max_days.value),
    }
    return (
        Signal(
            kind="feedback_missing",
            severity="low",
            session=session,
            evidence=evidence,
            explanation=(
                f"{_what_happened(latest)}: {evidence['rule']}. Ask the client whether "
                f"the link works for them and whether they still want to give feedback; "
                f"silence can also be a sign of a strained relationship."
            ),
            # One figure's source after another, each ended: run together they read as one
            # sentence ("two in a row is a pattern Rapport default ...").
            source=(
                f"{criteria.consecutive_missing.source.rstrip('.')}. "
                f"{criteria.max_days.source.rstrip('.')}. "
                f"{FEEDBACK_SOURCE}"
            ),
        ),
    )


def _latest_checkins(series: ClientSeries, instruments: frozenset[str]) -> dict[str, int]:
    """The latest session each expected check-in instrument was answered for."""
    latest: dict[str, int] = {}
    for o in series.observations:
        if o.instrument in instruments:
            latest[o.instrument] = max(o.session, latest.get(o.instrument, o.session))
    return latest


def _came_after(
    expected: ExpectedCheckin, latest: dict[str, int], criteria: FeedbackCriteria
) -> bool:
    """Whether a check-in of this instrument came for this session or a later one.

    A check-in answered for a later session shows the check-ins have not stopped, whatever
    became of this one: it may be for a session held today (not yet counted as due, see
    ``expected_checkins``), or for one nobody marked attended. Matching only the exact
    session said "the last 2 expected check-ins are missing" to a client who had just
    answered for that day's session. The answer may be on another after-session measure
    (``FeedbackCriteria.answered_by``): a client of a clinic that moved from one check-in to
    another has not gone silent.
    """
    answered = [latest[i] for i in criteria.answered_by(expected.instrument) if i in latest]
    return bool(answered) and max(answered) >= expected.session


def _what_happened(latest: dict[str, int]) -> str:
    # "Stopped coming" is wrong for a client who was never sent one or never answered (a new
    # episode whose past sessions were just recorded as attended): say so, without naming a
    # session 0 that the therapist never held.
    if not latest:
        return "No check-in has come yet"
    return "Check-ins have stopped coming"


def _days_without_checkin(
    series: ClientSeries,
    expected: list[ExpectedCheckin],
    instruments: frozenset[str],
) -> int | None:
    """Days since the last check-in (of ``instruments``) arrived, or since the first was
    due, if dates are known."""
    answered = [
        o.date for o in series.observations if o.instrument in instruments and o.date is not None
    ]
    due = [e.date for e in expected if e.date is not None]
    since: dt.date | None = max(answered) if answered else (min(due) if due else None)
    if since is None:
        return None
    return (series.today - since).days


def _still_attending(series: ClientSeries, gap: int) -> bool:
    """Some session was attended inside the silent stretch, so therapy continues. Not one
    held today: its check-in is not due yet (with sessions four weeks apart, every session
    day would otherwise look like 28 days of silence before the client could answer)."""
    start = series.today - dt.timedelta(days=gap)
    return any(
        a.status == "attended" and a.date is not None and start < a.date < series.today
        for a in series.attendance
    )
