"""The instrument ids monitoring relies on, in one place (pure, no Django).

Ids are being renamed (``phq-9`` -> ``phq9`` ...), so nothing else in monitoring spells an
id: everything goes through the registry via the pure library's ``find_instrument``, which
accepts either spelling, and stored rows are matched on every spelling they may carry.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import CriteriaError

__all__ = [
    "CHECKIN",
    "CHECKIN_PARTS",
    "PART_LOW_BELOW",
    "PUSHED_ITEM",
    "canonical",
    "kind_of",
    "stored_ids",
]

#: The after-session check-in every client is asked for (feedback_missing expects one per
#: attended session).
CHECKIN = "session-checkin"
#: Its subscales for Bordin's three parts of the alliance, in the order the page shows them.
CHECKIN_PARTS: tuple[tuple[str, str], ...] = (
    ("goals", "Goals"),
    ("tasks", "Tasks"),
    ("bond", "Bond"),
)
#: The "did you feel pushed or overridden in this session?" item (0 no, 1 a little, 2 yes).
PUSHED_ITEM = "pushed"
#: A part counts as low below 9 of 10: the per-scale share of the 36-of-40 alert threshold
#: (PCOMS practice, Duncan et al. 2003) that the check-in borrows.
PART_LOW_BELOW = 9


@lru_cache(maxsize=256)
def canonical(instrument_id: str) -> str | None:
    """The registered id for any spelling of it, or None for an unknown instrument."""
    try:
        return find_instrument(instrument_id).id
    except CriteriaError:
        return None


@lru_cache(maxsize=256)
def kind_of(instrument_id: str) -> str | None:
    """outcome, alliance, preferences or feedback; None when unknown."""
    try:
        return find_instrument(instrument_id).kind
    except CriteriaError:
        return None


def _spellings(instrument_id: str) -> set[str]:
    plain = instrument_id.replace("-", "")
    hyphenated = re.sub(r"([a-z])(\d)", r"\1-\2", plain)
    return {instrument_id, plain, hyphenated}


@lru_cache(maxsize=8)
def stored_ids(kinds: tuple[str, ...] = ("outcome", "alliance")) -> tuple[str, ...]:
    """Every spelling under which responses to instruments of these kinds may be stored."""
    from rapport.measures.registry import all_instruments

    ids: set[str] = set()
    for instrument in all_instruments():
        if instrument.kind in kinds and instrument.total is not None:
            ids |= _spellings(instrument.id)
    return tuple(sorted(ids))
