"""The researcher's interface: signals from a CSV file, with no database.

One row per score::

    client,session,date,instrument,score[,attended][,mandated][,age][,trainee_therapist][,pushed]

* ``date`` is ``YYYY-MM-DD``; ``attended``, ``mandated`` and ``trainee_therapist`` are
  ``yes``/``no``; ``pushed`` is ``no``/``a little``/``yes`` (or 0/1/2).
* A row with ``attended=no`` records a missed appointment; its instrument and score may be
  empty. Without an ``attended`` column every session with a score counts as attended.
* Client attributes may be repeated on every row but must agree.
* The analysis runs "as of" ``today``: by default the latest date in the file, never the
  computer's clock, so the same file always gives the same answer.

Every bad row is reported at once in a ``CsvInputError`` (row 1 is the header). The CLI
``rapport signals --from-csv FILE --json`` calls :func:`signals_from_csv`; the database
path builds a ``ClientSeries`` and calls :func:`signals_for_series` for the same shape.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from rapport.monitoring.signals.adapter import config_for, find_instrument
from rapport.monitoring.signals.detect import DetectorConfig, detect_all
from rapport.monitoring.signals.dropout import dropout_features, estimate_dropout
from rapport.monitoring.signals.errors import CriteriaError, CsvInputError
from rapport.monitoring.signals.model import (
    AttendanceRecord,
    ClientAttributes,
    ClientSeries,
    Observation,
)

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "read_series_csv",
    "signals_for_series",
    "signals_from_csv",
]

COLUMNS = ("client", "session", "date", "instrument", "score")
OPTIONAL_COLUMNS = ("attended", "mandated", "age", "trainee_therapist", "pushed")
_YES_NO = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False,
           "false": False, "0": False}  # fmt: skip
_PUSHED = {"0": 0, "no": 0, "1": 1, "a little": 1, "2": 2, "yes": 2}
_MAX_PROBLEMS = 50


def signals_for_series(
    series: ClientSeries, config: DetectorConfig | None = None
) -> dict[str, Any]:
    """Signals and dropout estimate for one client, as JSON-ready data."""
    config = config or config_for(series.instruments)
    features = dropout_features(
        series, change=config.change, alliance=config.alliance, model=config.dropout
    )
    return {
        "client": series.client,
        "signals": [signal.as_dict() for signal in detect_all(series, config)],
        "dropout_risk": estimate_dropout(features, config.dropout).as_dict(),
    }


def signals_from_csv(
    source: str | os.PathLike[str] | IO[str],
    *,
    config: DetectorConfig | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Signals for every client in a CSV file, in the order clients first appear."""
    clients, instruments = read_series_csv(source, today=today, config=config)
    if config is None:
        config = config_for(instruments)
    return [signals_for_series(series, config) for series in clients]


@dataclass
class _Client:
    name: str
    observations: dict[tuple[str, int], Observation] = field(default_factory=dict)
    attendance: dict[int, tuple[bool, dt.date]] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


def read_series_csv(
    source: str | os.PathLike[str] | IO[str],
    *,
    today: dt.date | None = None,
    config: DetectorConfig | None = None,
) -> tuple[list[ClientSeries], list[str]]:
    """Parse and check a CSV file into client series (and the instruments it uses)."""
    rows, header = _read(source)
    problems: list[tuple[int, str]] = _check_header(header)
    if problems:
        raise CsvInputError(problems)
    clients: dict[str, _Client] = {}
    ranges: dict[str, tuple[float, float] | None] = {}
    for number, row in rows:
        problems += _add_row(number, row, clients, ranges, config)
        if len(problems) >= _MAX_PROBLEMS:
            problems.append((number, "stopped after 50 problems"))
            break
    if not rows:
        problems.append((1, "the file has no data rows"))
    if problems:
        raise CsvInputError(problems)
    latest = max(d for c in clients.values() for _, d in c.attendance.values())
    clock = today or latest
    instruments = list(dict.fromkeys(i for c in clients.values() for i, _ in c.observations))
    return [_series(client, clock) for client in clients.values()], instruments


def _read(
    source: str | os.PathLike[str] | IO[str],
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    if isinstance(source, str | os.PathLike):
        with open(source, newline="", encoding="utf-8-sig") as handle:
            text = handle.read()
    else:
        text = source.read()
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [name.strip().lower() for name in (reader.fieldnames or [])]
        reader.fieldnames = header
        rows = [
            (index + 2, {k: (v or "").strip() for k, v in row.items() if k is not None})
            for index, row in enumerate(reader)
        ]
    except csv.Error as error:
        # A cell over the csv module's limit (131,072 characters) and the like: the rest
        # of the file cannot be trusted. DictReader.line_num lags on an error.
        line = max(reader.reader.line_num, 1)
        raise CsvInputError([(line, f"not readable as CSV: {error}")]) from None
    return rows, header


def _check_header(header: list[str]) -> list[tuple[int, str]]:
    problems = []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        problems.append((1, f"missing column(s): {', '.join(missing)}"))
    unknown = [c for c in header if c not in COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        allowed = ", ".join(COLUMNS + OPTIONAL_COLUMNS)
        problems.append((1, f"unknown column(s): {', '.join(unknown)} (allowed: {allowed})"))
    return problems


def _add_row(
    number: int,
    row: Mapping[str, str],
    clients: dict[str, _Client],
    ranges: dict[str, tuple[float, float] | None],
    config: DetectorConfig | None,
) -> list[tuple[int, str]]:
    problems: list[str] = []
    name = row.get("client", "")
    if not name:
        problems.append("client is empty")
    session = _whole(row.get("session", ""), "session", problems, minimum=0)
    date = _date(row.get("date", ""), problems)
    attended = _flag(row, "attended", problems)
    attributes = _attributes(row, problems)
    observation = None
    if attended is not False or row.get("score") or row.get("instrument"):
        observation = _observation(row, session, date, ranges, config, problems)
    if not problems and name:
        client = clients.setdefault(name, _Client(name))
        problems += _merge(client, session, date, attended, attributes, observation)
    return [(number, message) for message in problems]


def _merge(
    client: _Client,
    session: int | None,
    date: dt.date | None,
    attended: bool | None,
    attributes: Mapping[str, Any],
    observation: Observation | None,
) -> list[str]:
    assert session is not None and date is not None
    problems = []
    for key, value in attributes.items():
        old = client.attributes.setdefault(key, value)
        if old != value:
            problems.append(f"{key} is {value} here but {old} on an earlier row for this client")
    status = attended is not False
    previous = client.attendance.setdefault(session, (status, date))
    if previous != (status, date):
        problems.append(f"session {session} has a different date or attendance on another row")
    if observation is not None:
        slot = (observation.instrument, session)
        if slot in client.observations:
            problems.append(f"a second {observation.instrument} score for session {session}")
        elif not status:
            problems.append("a score for a session marked attended=no")
        else:
            client.observations[slot] = observation
    return problems


def _observation(
    row: Mapping[str, str],
    session: int | None,
    date: dt.date | None,
    ranges: dict[str, tuple[float, float] | None],
    config: DetectorConfig | None,
    problems: list[str],
) -> Observation | None:
    instrument = row.get("instrument", "")
    known = _known(instrument, ranges, config) if instrument else False
    if not instrument:
        problems.append("instrument is empty")
    elif not known:
        problems.append(f"unknown instrument {instrument!r}")
    score = _number(row.get("score", ""), problems)
    bounds = ranges.get(instrument)
    if score is not None and bounds is not None and not bounds[0] <= score <= bounds[1]:
        problems.append(
            f"score {score:g} is outside {instrument}'s range {bounds[0]:g}-{bounds[1]:g}"
        )
    pushed = None
    if row.get("pushed"):
        pushed = _PUSHED.get(row["pushed"].lower())
        if pushed is None:
            problems.append("pushed must be no, a little or yes (or 0, 1, 2)")
    if problems or session is None or score is None:
        return None
    return Observation(instrument, session, score, date=date, pushed=pushed)


def _known(
    instrument: str, ranges: dict[str, tuple[float, float] | None], config: DetectorConfig | None
) -> bool:
    """Whether the instrument can be analysed; remembers its score range when registered."""
    if instrument in ranges:
        return True
    try:
        total = find_instrument(instrument).total
        ranges[instrument] = None if total is None else (float(total.min), float(total.max))
    except CriteriaError:
        if config is None or instrument not in {*config.change, *config.alliance}:
            return False
        ranges[instrument] = None
    return True


def _attributes(row: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key in ("mandated", "trainee_therapist"):
        value = _flag(row, key, problems)
        if value is not None:
            attributes[key] = value
    if row.get("age"):
        age = _whole(row["age"], "age", problems, minimum=0)
        if age is not None and age > 120:
            problems.append("age must be at most 120")
        elif age is not None:
            attributes["age"] = age
    return attributes


def _flag(row: Mapping[str, str], key: str, problems: list[str]) -> bool | None:
    text = row.get(key, "")
    if not text:
        return None
    value = _YES_NO.get(text.lower())
    if value is None:
        problems.append(f"{key} must be yes or no, not {text!r}")
    return value


def _whole(text: str, key: str, problems: list[str], *, minimum: int) -> int | None:
    try:
        value = int(text)
    except ValueError:
        problems.append(f"{key} must be a whole number, not {text!r}")
        return None
    if value < minimum:
        problems.append(f"{key} must be at least {minimum}")
        return None
    return value


def _number(text: str, problems: list[str]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(f"score must be a number, not {text!r}")
        return None
    if not math.isfinite(value):
        problems.append("score must be a finite number")
        return None
    return value


def _date(text: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"date must be YYYY-MM-DD, not {text!r}")
        return None


def _series(client: _Client, today: dt.date) -> ClientSeries:
    attendance = tuple(
        AttendanceRecord(session, "attended" if came else "no_show", date)
        for session, (came, date) in sorted(client.attendance.items())
    )
    return ClientSeries(
        client=client.name,
        today=today,
        observations=tuple(client.observations.values()),
        attendance=attendance,
        attributes=ClientAttributes(**client.attributes),
    )
