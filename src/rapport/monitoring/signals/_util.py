"""Small helpers shared by the detectors (private)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["number", "onsets", "spoken"]


def onsets(conditions: Sequence[bool]) -> list[int]:
    """Positions where a condition becomes true after being false (or at the start).

    Detectors report the session at which a state *starts*, not every session it lasts, so
    one deterioration does not raise ten alerts; the alert layer shows whether it persists.
    """
    return [
        index
        for index, now in enumerate(conditions)
        if now and (index == 0 or not conditions[index - 1])
    ]


def number(value: float) -> float | int:
    """A JSON-friendly number: whole floats become ints, others are rounded for reading."""
    if float(value).is_integer():
        return int(value)
    return round(float(value), 3)


def spoken(value: float) -> str:
    """A number as a therapist reads it: whole numbers plain, others to one decimal."""
    if float(value).is_integer():
        return str(int(value))
    return f"{float(value):.1f}"
