"""Small helpers shared by the detectors (private)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["apart", "number", "onsets", "spoken"]


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


def spoken(value: float, decimals: int = 1) -> str:
    """A number as a therapist reads it: whole numbers plain, others to one decimal (or to
    ``decimals``, without trailing zeros beyond the first: 17.9, not 17.90)."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{float(value):.{decimals}f}"
    if decimals > 1:
        text = text.rstrip("0")
        text += "0" if text.endswith(".") else ""
    return text


def apart(value: float, other: float, *, most: int = 6) -> tuple[str, str]:
    """Two numbers as :func:`spoken` gives them, with more decimals (up to ``most``) while
    the two would read the same although they differ.

    A score and the limit it crossed must not read as equal ("17.9 is below 17.9" for a
    limit of 17.918). Rounding keeps order, so numbers that read differently read in the
    right order.
    """
    first, second = spoken(value), spoken(other)
    for decimals in range(2, most + 1):
        if float(first) != float(second) or float(value) == float(other):
            break
        first, second = spoken(value, decimals), spoken(other, decimals)
    return first, second
