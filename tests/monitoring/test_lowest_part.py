"""Guidance names a part of the check-in as the lowest only when the answers bear it out.

An exploratory test found "The way of working was the lowest part of the check-in." after
answers of 8, 8 and 8 (no part lower than another) and after goals 7, tasks 7, bond 8 (two
parts tied). When all parts are equal no part is the lowest, so no part-specific strategy
fits; when two tie, both are low and the text says a part may be tied for lowest.
"""

from __future__ import annotations

import re

from rapport.guidance.library import choose, load_library
from rapport.monitoring.context import guidance_context
from rapport.monitoring.signals import Observation, config_for
from tests.monitoring._helpers import series

LIBRARY = load_library()
LOW_PARTS = {"goals_low", "tasks_low", "bond_low"}
#: "<part> was the lowest part ..." said of one part.
CLAIMS_LOWEST = re.compile(r"was the lowest part")


def context_after(*, goals, tasks, bond, overall=8.0):
    parts = {"goals": goals, "tasks": tasks, "bond": bond, "overall": overall}
    observation = Observation("session-checkin", 1, sum(parts.values()), subscales=parts)
    return guidance_context(
        series([observation]),
        config_for(["session-checkin"]),
        phase="working",
        mandated=False,
        trainee=False,
        has_goals=False,
        active_kinds=["alliance_low"],
    )


def shown_texts(found, kind="alliance_low"):
    return {s.slug: s.text for s in choose(LIBRARY, kind=kind, context=found)}


def test_when_all_parts_are_equal_no_part_is_the_lowest():
    found = context_after(goals=8, tasks=8, bond=8)
    assert not LOW_PARTS & found
    for kind in ("alliance_low", "alliance_rupture"):
        for text in shown_texts(found, kind).values():
            assert not CLAIMS_LOWEST.search(text), text


def test_two_parts_tied_lowest_are_both_low_and_the_text_allows_the_tie():
    found = context_after(goals=7, tasks=7, bond=8)
    assert {"goals_low", "tasks_low"} <= found and "bond_low" not in found
    texts = shown_texts(found)
    assert texts["adjust-the-way-of-working"].startswith(
        "The way of working was the lowest part of the last check-in, or tied for lowest."
    )
    assert texts["goals-low-check-focus"].startswith(
        "Goals was the lowest part of the last check-in, or tied for lowest."
    )
    assert "reflect-before-intervening" not in texts


def test_a_single_lowest_part_is_the_only_low_one():
    found = context_after(goals=9, tasks=9, bond=6)
    assert LOW_PARTS & found == {"bond_low"}
    assert shown_texts(found)["reflect-before-intervening"].startswith(
        "Feeling heard was the lowest part of the last check-in, or tied for lowest."
    )


def test_every_library_text_that_names_a_lowest_part_allows_a_tie():
    # The strategy texts are static: a part tied with another is also shown them.
    for spec in LIBRARY:
        if CLAIMS_LOWEST.search(spec.text):
            assert "was the lowest part of the last check-in, or tied for lowest." in spec.text
