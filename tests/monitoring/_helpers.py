"""Builders for pure monitoring tests: explicit criteria and small client series.

The figures here are test inputs, chosen to match the shapes of real instruments (a
0-27 higher-is-worse scale with reliable change 6 and cut-off 10; a 0-40 higher-is-better
scale with reliable change 5 and cut-off 25) without reading the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from rapport.monitoring.signals import (
    AllianceCriteria,
    AttendanceRecord,
    ChangeCriteria,
    CitedValue,
    ClientAttributes,
    ClientSeries,
    DetectorConfig,
    FeedbackCriteria,
    Observation,
)

TODAY = dt.date(2025, 6, 30)
START = dt.date(2025, 1, 6)

PHQ = ChangeCriteria(
    instrument="phq9",
    direction="higher_is_worse",
    reliable_change=CitedValue(6, "test figure"),
    clinical_cutoff=CitedValue(10, "test figure"),
)
ORS = ChangeCriteria(
    instrument="ors",
    direction="higher_is_better",
    reliable_change=CitedValue(5, "test figure"),
    clinical_cutoff=CitedValue(25, "test figure"),
)
CHECKIN = AllianceCriteria(
    instrument="checkin",
    rupture_drop=CitedValue(4, "test figure"),
    low_threshold=CitedValue(36, "test figure"),
)
CONFIG = DetectorConfig.from_criteria(
    [PHQ, ORS, CHECKIN], feedback=FeedbackCriteria(checkin_instrument="checkin")
)


def session_date(session: int) -> dt.date:
    """Weekly sessions from START."""
    return START + dt.timedelta(weeks=session - 1)


def scores(instrument: str, values: Sequence[float], *, first: int = 1) -> list[Observation]:
    return [
        Observation(instrument, first + i, float(v), date=session_date(first + i))
        for i, v in enumerate(values)
    ]


def series(
    *observations: Iterable[Observation],
    attended: Iterable[int] = (),
    missed: Iterable[int] = (),
    attributes: ClientAttributes | None = None,
    today: dt.date = TODAY,
    client: str = "c1",
) -> ClientSeries:
    attendance = [AttendanceRecord(s, "attended", session_date(s)) for s in attended]
    attendance += [AttendanceRecord(s, "no_show", session_date(s)) for s in missed]
    return ClientSeries(
        client=client,
        today=today,
        observations=tuple(o for group in observations for o in group),
        attendance=tuple(attendance),
        attributes=attributes or ClientAttributes(),
    )


def kinds(signals: Iterable[object]) -> list[tuple[str, int]]:
    return [(s.kind, s.session) for s in signals]  # type: ignore[attr-defined]
