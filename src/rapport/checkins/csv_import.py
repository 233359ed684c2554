"""Reading historical responses from a CSV file (pure: no Django, no database).

Columns: ``client`` (id), ``date`` (ISO date or date-time), ``instrument`` (id), then one
column per item (``phq9_1``...). A file may mix instruments: a row's cells for items of
other instruments must be empty. Cells hold a number, free text for text items, nothing
(not answered) or ``prefer_not_to_answer``. Every problem is reported with its row number.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from rapport.measures.definitions import DECLINED, Instrument
from rapport.measures.errors import InstrumentNotFound, InvalidAnswer
from rapport.measures.registry import get_instrument
from rapport.measures.scoring import score

__all__ = ["REQUIRED_COLUMNS", "ImportRow", "RowError", "idempotency_key", "read_rows"]

REQUIRED_COLUMNS = ("client", "date", "instrument")


@dataclass(frozen=True)
class RowError:
    row: int  # line number in the file (the header is line 1)
    problem: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.problem}"


@dataclass(frozen=True)
class ImportRow:
    row: int
    client_id: int
    administered: date | datetime
    instrument_id: str
    answers: dict = field(default_factory=dict)
    errors: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors


def idempotency_key(row: ImportRow) -> str:
    """Same client, instrument, date and answers: same key, so a second import of the same
    file (or of an overlapping one) adds nothing."""
    payload = json.dumps(
        [row.client_id, row.instrument_id, row.administered.isoformat(), row.answers],
        sort_keys=True,
        separators=(",", ":"),
    )
    return "import:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _parse_date(text: str) -> date | datetime:
    text = text.strip()
    if "T" in text or " " in text:
        return datetime.fromisoformat(text)
    return date.fromisoformat(text)


def _parse_value(instrument: Instrument, item_id: str, cell: str):
    item = instrument.item(item_id)
    if cell == DECLINED or item.response == "text":
        return cell
    try:
        number = float(cell)
    except ValueError:
        raise InvalidAnswer(item_id, f"{cell!r} is not a number") from None
    return int(number) if number.is_integer() else number


def _row(line: int, record: dict[str, str], all_items: set[str]) -> ImportRow:
    errors: list[str] = []
    raw_client = (record.get("client") or "").strip()
    try:
        client_id = int(raw_client)
    except ValueError:
        client_id = 0
    if client_id <= 0:  # ids start at 1; 0 also stands for "unreadable" below
        errors.append(f"client {raw_client!r} is not a client id")
        client_id = 0
    try:
        administered: date | datetime = _parse_date(record.get("date") or "")
    except ValueError:
        errors.append(f"date {record.get('date')!r} is not a date (use YYYY-MM-DD)")
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
    answers = {}
    own = set(instrument.item_ids)
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
    return ImportRow(line, client_id, administered, instrument.id, answers, tuple(errors))


def read_rows(text: str, known_items: set[str]) -> tuple[list[ImportRow], list[RowError]]:
    """Parse the file; returns the rows (each with its own errors) and file-level errors."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, f"missing column(s) {', '.join(missing)}")]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS and c not in known_items]
    if unknown:
        return [], [RowError(1, f"unknown column(s) {', '.join(unknown)}")]
    rows = []
    for record in reader:
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            continue
        if None in record:
            rows.append(
                ImportRow(reader.line_num, 0, date.min, "", {}, ("more cells than columns",))
            )
            continue
        rows.append(_row(reader.line_num, record, known_items))
    if not rows:
        return [], [RowError(1, "the file has no rows")]
    return rows, []
