"""Errors raised by the monitoring core (``rapport.monitoring``).

One hierarchy for the whole package, so callers can catch exactly what they mean::

    MonitoringError                base class of everything below
    ├── InvalidSeriesError         a client's series is malformed (also ValueError)
    ├── CriteriaError              a detector lacks a figure it needs (also ValueError)
    ├── NotEnoughDataError         too little history to calibrate or re-estimate anything
    └── CsvInputError              a researcher's CSV file has bad rows (also ValueError)

Messages are plain sentences for the clinician, researcher or developer who has to act on
them. They name sessions, rows and fields, never a client's free-text answers.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "CriteriaError",
    "CsvInputError",
    "InvalidSeriesError",
    "MonitoringError",
    "NotEnoughDataError",
]


class MonitoringError(Exception):
    """Base class for every error raised by ``rapport.monitoring``."""


class InvalidSeriesError(MonitoringError, ValueError):
    """A client series cannot be analysed as given (duplicate session, bad answer...)."""


class CriteriaError(MonitoringError, ValueError):
    """A detector was asked to run without a figure it needs (e.g. no reliable change)."""


class NotEnoughDataError(MonitoringError):
    """Too few episodes or events to estimate anything trustworthy from a clinic's data."""

    def __init__(self, message: str, *, needed: int, found: int) -> None:
        self.needed = needed
        self.found = found
        super().__init__(message)


class CsvInputError(MonitoringError, ValueError):
    """A CSV file has rows that cannot be used; ``problems`` lists ``(row, message)``.

    Row numbers count the header as row 1, as a spreadsheet shows them.
    """

    def __init__(self, problems: Sequence[tuple[int, str]]) -> None:
        self.problems: tuple[tuple[int, str], ...] = tuple(problems)
        lines = [f"row {row}: {message}" for row, message in self.problems]
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"The CSV file has {count} {noun}:\n" + "\n".join(lines))
