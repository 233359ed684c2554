"""Reading historical responses from a CSV file (pure: no Django, no database).

Columns: ``client`` (id), ``date`` (ISO date or date-time), ``instrument`` (id), then one
column per item (``phq9_1``...). A file may mix instruments: a row's cells for items of
other instruments must be empty. Cells hold a number, free text for text items, nothing
(not answered) or ``prefer_not_to_answer``. Every problem is reported with the number of
the line its row starts on in the file (the header is line 1; a quoted cell may hold line
breaks, so a row may span several lines).

Dates before 1900 are refused here (a typo, never a record of care); dates in the future
are refused by the import service, which knows the clinic's time zone.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from rapport.checkins.instruments import GOALS
from rapport.measures.definitions import DECLINED, Instrument, Item
from rapport.measures.errors import InstrumentNotFound, InvalidAnswer
from rapport.measures.registry import get_instrument
from rapport.measures.scoring import score

__all__ = ["REQUIRED_COLUMNS", "ImportRow", "RowError", "read_rows", "row_digest", "unscoreable"]

REQUIRED_COLUMNS = ("client", "date", "instrument")
#: Ids are 64-bit integers in every database Rapport runs on; a larger one is no id.
MAX_ID = 2**63 - 1
#: Earliest year accepted: anything before is a typo, and would also fall outside the
#: range some date arithmetic can handle.
EARLIEST_YEAR = 1900


@dataclass(frozen=True)
class RowError:
    row: int  # the line of the file the row starts on (the header is line 1)
    problem: str

    def __str__(self) -> str:
        return f"line {self.row}: {self.problem}"


@dataclass(frozen=True)
class ImportRow:
    row: int  # the line of the file the row starts on
    client_id: int
    administered: date | datetime
    instrument_id: str
    answers: dict = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors


def row_digest(row: ImportRow) -> str:
    """Same client, instrument, date and answers: same digest, so a second import of the
    same file (or of an overlapping one) adds nothing. Not stored as it is: the answers
    include free text, so the import service keys it with a secret first
    (``rapport.checkins.services.import_key``)."""
    payload = json.dumps(
        [row.client_id, row.instrument_id, row.administered.isoformat(), row.answers],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _parse_date(text: str) -> date | datetime:
    text = text.strip()
    if "T" in text or " " in text:
        return datetime.fromisoformat(text)
    return date.fromisoformat(text)


def _date_problem(value: date | datetime, text: str) -> str | None:
    if value.year < EARLIEST_YEAR:
        return f"date {text} is before {EARLIEST_YEAR}"
    if isinstance(value, datetime) and value.tzinfo is not None:
        try:  # 9999-12-31T23:00:00-05:00 is in the year 10000 in UTC, where it is stored
            value.astimezone(UTC)
        except OverflowError:
            return f"date {text} is out of range"
    return None


#: Orders of magnitude a cell may have (1e-20 to under 1e16): the integers below 1e16 are
#: exact as floats, and no item of any instrument has answers near either end.
_SMALLEST, _LARGEST = -20, 15


def _parse_value(instrument: Instrument, item_id: str, cell: str):
    """The cell as the number it says, exactly: read as a float first, 4.0000000000000001
    would become 4 and 1e-400 would become 0, answers an item with whole-number options
    (CORE-10's 0-4) or a slider's steps can take, though the cell is neither. A value the
    item cannot take is refused, naming what it can take (from its definition); the
    scoring engine then checks the rest (``measures.scoring``)."""
    item = instrument.item(item_id)
    if cell == DECLINED or item.response == "text":
        return cell
    try:
        exact = Decimal(cell)
    except InvalidOperation:
        raise InvalidAnswer(item_id, f"{cell!r} is not a number") from None
    if not exact.is_finite():
        raise InvalidAnswer(item_id, f"{cell} is not a finite number")
    if exact.is_zero():
        return 0
    # By its exponent first: arithmetic on 1e999999999999999999 overflows the context.
    if not _SMALLEST <= exact.adjusted() <= _LARGEST:
        raise InvalidAnswer(item_id, f"{_shown(cell)} is not {_what_it_takes(item)}")
    number = int(exact) if exact == exact.to_integral_value() else float(exact)
    if Decimal(repr(number)) != exact:
        raise InvalidAnswer(item_id, f"{_shown(cell)} is not {_what_it_takes(item)}")
    return number


def _shown(cell: str) -> str:
    """A cell in a message: a number thousands of digits long is cut short."""
    return cell if len(cell) <= 24 else cell[:20] + "…"


def _what_it_takes(item: Item) -> str:
    """The answers ``item`` can take, from its definition."""
    if item.slider is not None:
        slider = item.slider
        return f"a value from {slider.min} to {slider.max} in steps of {slider.step}"
    listed = ", ".join(str(option.value) for option in item.options)
    return f"one of the allowed values ({listed})"


def _row(line: int, record: dict[str, str], all_items: set[str]) -> ImportRow:
    errors: list[str] = []
    raw_client = (record.get("client") or "").strip()
    try:
        client_id = int(raw_client)
    except ValueError:
        client_id = 0
    if not 0 < client_id <= MAX_ID:  # ids start at 1; 0 also stands for "unreadable" below
        errors.append(f"client {raw_client!r} is not a client id")
        client_id = 0
    try:
        administered: date | datetime = _parse_date(record.get("date") or "")
    except ValueError:
        errors.append(f"date {record.get('date')!r} is not a date (use YYYY-MM-DD)")
        administered = date.min
    else:
        problem = _date_problem(administered, (record.get("date") or "").strip())
        if problem:
            errors.append(problem)
            administered = date.min
    instrument_id = (record.get("instrument") or "").strip()
    try:
        instrument = get_instrument(instrument_id)
    except InstrumentNotFound:
        return ImportRow(
            line,
            client_id,
            administered,
            instrument_id,
            {},
            (*errors, f"unknown instrument {instrument_id!r}"),
        )
    if instrument.id == GOALS:
        # Not a measure: imported, the goals would be a response nobody sees and no goal of
        # the episode (only the client's own link makes those), past the 300-character rule.
        return ImportRow(
            line,
            client_id,
            administered,
            instrument_id,
            {},
            (
                *errors,
                "the client's goals are not imported: add them on the client page, or send "
                "the client their Client's goals link",
            ),
        )
    answers = {}
    own = set(instrument.item_ids)
    before_cells = len(errors)
    for column, value in record.items():
        if column in REQUIRED_COLUMNS or column is None:
            continue
        cell = (value or "").strip()
        if not cell:
            continue
        if column not in own:
            where = "an item of another instrument" if column in all_items else "not an item"
            errors.append(f"column {column!r} is {where} ({instrument_id} row)")
            continue
        try:
            answers[column] = _parse_value(instrument, column, cell)
            score(instrument, {column: answers[column]})
        except InvalidAnswer as error:
            errors.append(f"{error.item_id}: {error.problem}")
            answers.pop(column, None)
    if len(errors) == before_cells:  # after a bad cell, "items missing" would only add noise
        problem = unscoreable(instrument, answers)
        if problem:
            errors.append(problem)
    return ImportRow(line, client_id, administered, instrument.id, answers, tuple(errors))


def unscoreable(instrument: Instrument, answers: dict) -> str | None:
    """Why a row's answers cannot be stored as a response to ``instrument``, if they cannot.

    A row with no answers, or with too many items missing (or declined) for the total, would
    be stored with no score, and its unanswered risk item (PHQ-9 item 9) would raise a risk
    notice about a questionnaire nobody filled in. The rule is the instrument's own
    (``total.max_missing``, from its source), the one the scoring engine applies.
    """
    if not answers:
        return "no answers"
    total = instrument.total
    if total is None or score(instrument, answers).total is not None:
        return None
    missing = [item for item in total.items if not isinstance(answers.get(item), int | float)]
    return (
        f"too many items missing to score {instrument.short_title}: {len(missing)} of "
        f"{len(total.items)} not answered, at most {total.max_missing} may be missing"
    )


class _Records:
    """The file's records, each with the line it starts on (``first_line``): the csv
    reader's own ``line_num`` is the line a record *ends* on, which for a quoted cell
    holding line breaks is not where anyone would look for the row."""

    def __init__(self, text: str) -> None:
        self._reader = csv.reader(io.StringIO(text))
        self.first_line = 1

    def next(self) -> list[str] | None:
        """The next record that is not an empty line, or None at the end of the file."""
        while True:
            self.first_line = self._reader.line_num + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return None
            if cells:
                return cells


def read_rows(text: str, known_items: set[str]) -> tuple[list[ImportRow], list[RowError]]:
    """Parse the file; returns the rows (each with its own errors) and file-level errors."""
    records = _Records(text)
    try:
        return _read(records, known_items)
    except csv.Error as error:
        # A cell over the csv module's limit (131,072 characters), a stray quote...:
        # the rest of the file cannot be trusted, so nothing is imported. Named by the line
        # its record starts on, as every row is.
        return [], [RowError(records.first_line, f"the file cannot be read as CSV: {error}")]


def _read(records: _Records, known_items: set[str]) -> tuple[list[ImportRow], list[RowError]]:
    header = records.next() or []
    line = records.first_line
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(line, f"missing column(s) {', '.join(missing)}")]
    # As csv.DictReader, two same-named columns would keep only the last: refuse rather
    # than import one of two answers without saying so.
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        return [], [RowError(line, f"column(s) {', '.join(repeated)} appear more than once")]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS and c not in known_items]
    if unknown:
        return [], [RowError(line, f"unknown column(s) {', '.join(unknown)}")]
    rows = []
    while (cells := records.next()) is not None:
        if not any(cell.strip() for cell in cells):
            continue
        line = records.first_line
        if len(cells) > len(header):
            rows.append(ImportRow(line, 0, date.min, "", {}, ("more cells than columns",)))
            continue
        record: dict[str, str] = dict(zip(header, cells, strict=False))
        rows.append(_row(line, record, known_items))
    if not rows:
        return [], [RowError(1, "the file has no rows")]
    return rows, []
