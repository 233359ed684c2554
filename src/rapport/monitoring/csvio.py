"""The researcher's interface: signals from a CSV file, with no database.

One row per score::

    client,session,date,instrument,score[,attended][,mandated][,age][,trainee_therapist][,pushed]

* ``date`` is ``YYYY-MM-DD``; ``attended``, ``mandated`` and ``trainee_therapist`` are
  ``yes``/``no``; ``pushed`` is ``no``/``a little``/``yes`` (or 0/1/2).
* A row with ``attended=no`` records a missed appointment; its instrument and score may be
  empty. Without an ``attended`` column every session with a score counts as attended.
* Client attributes may be repeated on every row but must agree.
* Instrument ids are the registry's: ``phq-9`` and ``phq9`` are one instrument, so one
  client's scores are one series however the file spells them.
* The analysis runs "as of" ``today``: by default the latest date in the file, never the
  computer's clock, so the same file always gives the same answer. A date after ``today``
  is an error.
* A file has no schedule of check-ins, so a client is expected to answer only the check-in
  their own rows show them answering (a client with none in the file is not missing one).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import IO, Any

from rapport.monitoring.instruments import canonical
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
        # The model's basis goes with the probability: the published 19.7% base rate, or
        # the clinic's own ended episodes once it was recalibrated on them.
        "dropout_risk": {
            **estimate_dropout(features, config.dropout).as_dict(),
            "source": config.dropout.intercept.source,
        },
    }


def signals_from_csv(
    source: str | os.PathLike[str] | IO[str],
    *,
    config: DetectorConfig | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Signals for every client in a CSV file, in the order clients first appear.

    Each client is judged on the instruments of their own rows (see :func:`_own_config`).
    """
    clients, _ = read_series_csv(source, today=today, config=config)
    configs: dict[tuple[str, ...], DetectorConfig] = {}
    results = []
    for series in clients:
        instruments = series.instruments
        if instruments not in configs:
            configs[instruments] = _own_config(instruments, config)
        results.append(signals_for_series(series, configs[instruments]))
    return results


def _own_config(instruments: Sequence[str], config: DetectorConfig | None) -> DetectorConfig:
    """The detector configuration for a client who answered these instruments.

    A CSV file carries no schedule of check-ins, so the only evidence of the check-in a
    client is asked is the check-ins they answered. One configuration for the whole file
    expected every client to answer any check-in another client answered, so a client
    who was never asked one got "Check-ins have stopped coming" because of someone else's
    rows. A client who answered the check-in once and then stopped is still noticed.
    """
    if config is None:
        return config_for(instruments)
    if config.feedback.checkin_instrument in instruments:
        return config
    return replace(config, feedback=replace(config.feedback, checkin_instrument=None))


@dataclass
class _Client:
    name: str
    observations: dict[tuple[str, int], Observation] = field(default_factory=dict)
    attendance: dict[int, tuple[bool, dt.date]] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    #: The first row of each session, to name it when the sessions' dates disagree.
    session_rows: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Scale:
    """What one instrument's scores in the file are checked against."""

    #: The registered total's range; None when the instrument is known only to the config.
    bounds: tuple[float, float] | None = None
    #: The total is scored in whole numbers (``total.decimals`` is 0: PHQ-9, GAD-7, the
    #: session check-in), so 18.5 is a typing or export error, never a score.
    whole: bool = False
    #: An alliance measure, the only kind that asks "did you feel pushed or overridden?".
    alliance: bool = False


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
    scales: dict[str, _Scale | None] = {}
    for number, row, extra in rows:
        if extra:
            # csv.DictReader would silently drop the values past the header's columns.
            problems.append(
                (number, f"{len(header) + extra} values but the header has {len(header)} columns")
            )
        problems += _add_row(number, row, clients, scales, config, today)
        if len(problems) >= _MAX_PROBLEMS:
            problems.append((number, "stopped after 50 problems"))
            break
    else:
        for client in clients.values():
            problems += _check_session_order(client)
    if not rows:
        problems.append((1, "the file has no data rows"))
    if problems:
        raise CsvInputError(sorted(problems, key=lambda problem: problem[0]))
    latest = max(d for c in clients.values() for _, d in c.attendance.values())
    clock = today or latest
    instruments = list(dict.fromkeys(i for c in clients.values() for i, _ in c.observations))
    return [_series(client, clock) for client in clients.values()], instruments


def _read(
    source: str | os.PathLike[str] | IO[str],
) -> tuple[list[tuple[int, dict[str, str], int]], list[str]]:
    """(row number, values by column, number of values past the header's columns) per row."""
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
            (
                index + 2,
                {k: (v or "").strip() for k, v in row.items() if k is not None},
                len(row.get(None) or ()),  # DictReader's restkey
            )
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
    scales: dict[str, _Scale | None],
    config: DetectorConfig | None,
    today: dt.date | None,
) -> list[tuple[int, str]]:
    problems: list[str] = []
    name = row.get("client", "")
    if not name:
        problems.append("client is empty")
    session = _whole(row.get("session", ""), "session", problems, minimum=0)
    date = _date(row.get("date", ""), problems)
    if date is not None and today is not None and date > today:
        # The detectors would read a score from after the day they judge as "today".
        problems.append(f"date {date} is after {today}, the day the analysis is run as of")
    attended = _flag(row, "attended", problems)
    attributes = _attributes(row, problems)
    observation = None
    if attended is not False or row.get("score") or row.get("instrument"):
        observation = _observation(row, session, date, scales, config, problems)
    if not problems and name:
        assert session is not None  # no problems: it parsed
        client = clients.setdefault(name, _Client(name))
        client.session_rows.setdefault(session, number)
        problems += _merge(client, session, date, attended, attributes, observation)
    return [(number, message) for message in problems]


def _check_session_order(client: _Client) -> list[tuple[int, str]]:
    """Session numbers and dates must agree: a session dated before an earlier-numbered
    one is a typo in one of them, and the detectors read the numbers as the order of
    treatment (intake first) while missing check-ins and dropout risk read the dates."""
    problems = []
    latest: tuple[int, dt.date] | None = None  # the latest-dated session so far
    for session, (_, date) in sorted(client.attendance.items()):
        if latest is not None and date < latest[1]:
            problems.append(
                (
                    client.session_rows[session],
                    f"session {session} of {client.name} is dated {date}, before its "
                    f"session {latest[0]} ({latest[1]})",
                )
            )
        else:
            latest = (session, date)
    return problems


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
            # After the ids are made the registry's, so phq-9 and phq9 collide here.
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
    scales: dict[str, _Scale | None],
    config: DetectorConfig | None,
    problems: list[str],
) -> Observation | None:
    written = row.get("instrument", "")
    instrument = _instrument_id(written, config) if written else ""
    scale = _scale(instrument, scales, config) if instrument else None
    if not written:
        problems.append("instrument is empty")
    elif scale is None:
        problems.append(f"unknown instrument {written!r}")
    score = _number(row.get("score", ""), problems)
    if score is not None and scale is not None:
        _check_score(score, instrument, scale, problems)
    pushed = None
    if row.get("pushed"):
        pushed = _PUSHED.get(row["pushed"].lower())
        if pushed is None:
            problems.append("pushed must be no, a little or yes (or 0, 1, 2)")
        elif scale is not None and not scale.alliance:
            # The question belongs to the after-session check-in; on another measure it
            # would raise pushed_or_overridden attributed to, say, the PHQ-9.
            problems.append(f"pushed is an alliance check-in's answer; {instrument} is not one")
    if problems or session is None or score is None:
        return None
    return Observation(instrument, session, score, date=date, pushed=pushed)


def _check_score(score: float, instrument: str, scale: _Scale, problems: list[str]) -> None:
    bounds = scale.bounds
    if bounds is not None and not bounds[0] <= score <= bounds[1]:
        problems.append(
            f"score {score:g} is outside {instrument}'s range {bounds[0]:g}-{bounds[1]:g}"
        )
    if scale.whole and not score.is_integer():
        problems.append(
            f"score {score:g} is not a whole number; {instrument} is scored in whole numbers"
        )


def _instrument_id(written: str, config: DetectorConfig | None) -> str:
    """The id the series uses for an instrument as the file spells it.

    The registry's own id (``phq-9`` -> ``phq9``): keyed on the spelling, one client's
    PHQ-9 scores became two instruments, neither with enough scores for a signal, and two
    PHQ-9 scores at one session went unnoticed. A caller's config may spell a registered
    id its own way; its criteria must still match, so its spelling wins.
    """
    registered = canonical(written)
    if config is not None:
        for key in (*config.change, *config.alliance):
            if key == written or (registered is not None and canonical(key) == registered):
                return key
    return registered or written


def _scale(
    instrument: str, scales: dict[str, _Scale | None], config: DetectorConfig | None
) -> _Scale | None:
    """How to check the instrument's scores; None when it cannot be analysed."""
    if instrument not in scales:
        scales[instrument] = _read_scale(instrument, config)
    return scales[instrument]


def _read_scale(instrument: str, config: DetectorConfig | None) -> _Scale | None:
    try:
        definition = find_instrument(instrument)
    except CriteriaError:
        if config is None or instrument not in {*config.change, *config.alliance}:
            return None
        return _Scale(alliance=instrument in config.alliance)
    total = definition.total
    if total is None:
        return _Scale(alliance=definition.kind == "alliance")
    return _Scale(
        bounds=(float(total.min), float(total.max)),
        whole=total.decimals == 0,
        alliance=definition.kind == "alliance",
    )


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
