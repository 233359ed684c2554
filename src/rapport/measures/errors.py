"""Errors raised by the pure instrument engine (``rapport.measures``).

One hierarchy for the whole package, so callers can catch exactly what they mean::

    MeasuresError                      base class of everything below
    ├── InstrumentNotFound             no instrument with that id (also a LookupError)
    ├── InstrumentDefinitionError      a data file in instruments/ is malformed (also ValueError)
    ├── InvalidAnswer                  an answer is unknown, out of range or of the wrong type
    └── WordingError                   a clinic's licensed-wording file is unusable

Messages are plain English sentences meant for the clinician or developer who has to act on
them; they never contain a client's answer text.
"""

from __future__ import annotations

__all__ = [
    "InstrumentDefinitionError",
    "InstrumentNotFound",
    "InvalidAnswer",
    "MeasuresError",
    "WordingError",
]


class MeasuresError(Exception):
    """Base class for every error raised by ``rapport.measures``."""


class InstrumentNotFound(MeasuresError, LookupError):
    """No registered instrument has the requested id."""

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id
        super().__init__(f"No instrument with id {instrument_id!r} is registered.")


class InstrumentDefinitionError(MeasuresError, ValueError):
    """An instrument data file is malformed; the message names the file and the field."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file = file
        self.field = field
        self.problem = problem
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {problem}")


class InvalidAnswer(MeasuresError, ValueError):
    """An answer cannot be scored; the message names the item. Answers are never clipped."""

    def __init__(self, item_id: str, problem: str) -> None:
        self.item_id = item_id
        self.problem = problem
        super().__init__(f"Item {item_id!r}: {problem}")


class WordingError(MeasuresError, ValueError):
    """A licensed-wording file (or mapping) does not fit the instrument it names."""
