"""Plain data the detectors read and write: one client's series in, frozen signals out.

Nothing here knows about Django or the instrument registry. A ``ClientSeries`` carries an
explicit ``today`` so that every time-dependent rule runs on a fixed clock (the detectors
never call ``date.today()``), which keeps them reproducible and testable.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rapport.monitoring.signals.errors import InvalidSeriesError

__all__ = [
    "KINDS",
    "SEVERITIES",
    "AttendanceRecord",
    "AttendanceStatus",
    "CitedValue",
    "ClientAttributes",
    "ClientSeries",
    "Direction",
    "ExpectedCheckin",
    "Observation",
    "Severity",
    "Signal",
]

Severity = Literal["info", "low", "medium", "high"]
Direction = Literal["higher_is_worse", "higher_is_better"]
AttendanceStatus = Literal["attended", "cancelled", "no_show"]

#: Severities from least to most urgent; the caseload sorts by this order.
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high")

#: Every signal kind, in the order ``detect_all`` reports signals of one session.
KINDS: tuple[str, ...] = (
    "reliable_deterioration",
    "not_on_track",
    "alliance_rupture",
    "alliance_low",
    "pushed_or_overridden",
    "dropout_risk",
    "feedback_missing",
    "alliance_repaired",
    "reliable_improvement",
    "recovered",
)

#: The values of the check-in's "did you feel pushed or overridden in this session?" answer.
PUSHED_ANSWERS = {0: "no", 1: "a little", 2: "yes"}


@dataclass(frozen=True, slots=True)
class CitedValue:
    """A number a rule depends on, with where it comes from."""

    value: float
    source: str


@dataclass(frozen=True)
class Signal:
    """One thing a therapist should know about a client, explained and sourced.

    ``evidence`` holds the numbers and the rule that fired; it is JSON-serialisable.
    """

    kind: str
    severity: Severity
    session: int
    evidence: dict[str, Any] = field(hash=False)
    explanation: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape used by the CSV interface and the API."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "session": self.session,
            "evidence": dict(self.evidence),
            "explanation": self.explanation,
            "source": self.source,
        }


@dataclass(frozen=True)
class Observation:
    """One scored questionnaire: a total, optional subscales and the ``pushed`` answer."""

    instrument: str
    session: int
    score: float
    date: dt.date | None = None
    subscales: Mapping[str, float] = field(default_factory=dict, hash=False)
    pushed: int | None = None

    def __post_init__(self) -> None:
        if self.session < 0:
            raise InvalidSeriesError(f"{self.instrument}: session must be 0 or more")
        if not math.isfinite(self.score):
            raise InvalidSeriesError(
                f"{self.instrument} session {self.session}: score must be a finite number"
            )
        if self.pushed is not None and self.pushed not in PUSHED_ANSWERS:
            raise InvalidSeriesError(
                f"{self.instrument} session {self.session}: pushed must be 0 (no), "
                f"1 (a little) or 2 (yes)"
            )


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    """One booked appointment and what happened to it."""

    session: int
    status: AttendanceStatus
    date: dt.date | None = None

    def __post_init__(self) -> None:
        if self.status not in ("attended", "cancelled", "no_show"):
            raise InvalidSeriesError(
                f"session {self.session}: attendance must be attended, cancelled or no_show"
            )


@dataclass(frozen=True, slots=True)
class ClientAttributes:
    """What is known about the client and the treatment that bears on dropout risk."""

    age: int | None = None
    mandated: bool | None = None
    trainee_therapist: bool | None = None


@dataclass(frozen=True, slots=True)
class ExpectedCheckin:
    """A check-in the client was asked for (usually one per attended session)."""

    session: int
    instrument: str
    date: dt.date | None = None


@dataclass(frozen=True)
class ClientSeries:
    """Everything the detectors know about one client, as of ``today``.

    Observations are kept sorted by (instrument, session); two observations of the same
    instrument at the same session are refused because "which one counts" is a data
    problem to fix upstream, not something a detector should guess.
    """

    client: str
    today: dt.date
    observations: tuple[Observation, ...] = ()
    attendance: tuple[AttendanceRecord, ...] = ()
    attributes: ClientAttributes = field(default_factory=ClientAttributes)
    expected_checkins: tuple[ExpectedCheckin, ...] = ()

    def __post_init__(self) -> None:
        observations = tuple(sorted(self.observations, key=lambda o: (o.instrument, o.session)))
        for before, after in zip(observations, observations[1:], strict=False):
            if (before.instrument, before.session) == (after.instrument, after.session):
                raise InvalidSeriesError(
                    f"client {self.client}: two {after.instrument} scores at session "
                    f"{after.session}"
                )
        object.__setattr__(self, "observations", observations)
        object.__setattr__(
            self, "attendance", tuple(sorted(self.attendance, key=lambda a: a.session))
        )
        object.__setattr__(
            self,
            "expected_checkins",
            tuple(sorted(self.expected_checkins, key=lambda e: (e.session, e.instrument))),
        )

    def of(self, instrument: str) -> tuple[Observation, ...]:
        """This instrument's observations, oldest session first."""
        return tuple(o for o in self.observations if o.instrument == instrument)

    @property
    def instruments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(o.instrument for o in self.observations))

    @property
    def latest_session(self) -> int | None:
        """The most recent session with an observation or an attendance record."""
        sessions = [o.session for o in self.observations]
        sessions += [a.session for a in self.attendance]
        return max(sessions) if sessions else None
