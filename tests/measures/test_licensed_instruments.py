"""WAI-SR, ORS and SRS: structure and scoring only, with placeholder wording."""

from __future__ import annotations

import pytest

from rapport.measures.definitions import PLACEHOLDER_MARK
from rapport.measures.errors import InvalidAnswer
from rapport.measures.registry import all_instruments, client_facing_texts
from tests.measures._helpers import answers_for, instrument, score_of

LICENSED = ("ors", "srs", "wai-sr")


def test_exactly_the_licensed_instruments_need_licensed_wording():
    needing = {i.id for i in all_instruments() if i.requires_licensed_wording}
    assert needing == set(LICENSED)


@pytest.mark.parametrize("instrument_id", LICENSED)
def test_licensed_instruments_ship_only_placeholder_text(instrument_id):
    for field, text in client_facing_texts(instrument(instrument_id)):
        assert PLACEHOLDER_MARK in text, field


@pytest.mark.parametrize("instrument_id", LICENSED)
def test_licensed_instruments_are_not_sendable_until_wording_is_applied(instrument_id):
    assert instrument(instrument_id).sendable is False


# -- WAI-SR -------------------------------------------------------------------------------

GOAL = (4, 6, 8, 11)  # Hatcher & Gillaspy (2006) scoring key
TASK = (1, 2, 10, 12)
BOND = (3, 5, 7, 9)


def waisr(goal, task, bond):
    values = {n: goal for n in GOAL} | {n: task for n in TASK} | {n: bond for n in BOND}
    return score_of("wai-sr", {f"waisr_{n}": v for n, v in values.items()})


def test_wai_sr_has_twelve_items_four_per_scale():
    sizes = {s.id: len(s.items) for s in instrument("wai-sr").subscales}
    assert sizes == {"goal": 4, "task": 4, "bond": 4}
    assert len(instrument("wai-sr").items) == 12


def test_it_scores_wai_sr_goal_task_and_bond_as_item_means():
    result = waisr(goal=5, task=2, bond=4)
    assert dict(result.subscales) == {"goal": 5.0, "task": 2.0, "bond": 4.0}
    # (20 + 8 + 16) / 12 = 3.667 -> 3.67
    assert result.total == 3.67


def test_wai_sr_is_not_scored_with_an_item_missing():
    answers = answers_for("waisr", [3] * 11 + [None])
    result = score_of("wai-sr", answers)
    assert result.total is None
    assert result.subscales["task"] is None
    assert result.subscales["goal"] == 3.0


def test_wai_sr_answers_run_from_1_to_5():
    with pytest.raises(InvalidAnswer, match="waisr_1"):
        score_of("wai-sr", {"waisr_1": 0})


# -- ORS ----------------------------------------------------------------------------------


def ors(*marks):
    return score_of("ors", answers_for("ors", list(marks)))


def test_it_sums_four_ors_marks_read_to_the_millimetre():
    result = ors(5.5, 6.2, 7.0, 4.3)
    assert result.total == 23.0
    assert result.clinical is True


def test_it_adds_decimal_marks_exactly():
    assert ors(0.1, 0.2, 0.4, 0.3).total == 1.0


@pytest.mark.parametrize(
    ("marks", "total", "clinical"),
    [((6.2, 6.2, 6.2, 6.3), 24.9, True), ((6.2, 6.2, 6.3, 6.3), 25.0, False)],
)
def test_ors_clinical_range_is_below_25(marks, total, clinical):
    result = ors(*marks)
    assert (result.total, result.clinical) == (total, clinical)


def test_ors_higher_is_better_with_reliable_change_5():
    ors_instrument = instrument("ors")
    assert ors_instrument.direction == "higher_is_better"
    assert ors_instrument.reliable_change is not None
    assert ors_instrument.reliable_change.value == 5
    assert ors_instrument.clinical_cutoff is not None
    assert ors_instrument.clinical_cutoff.value == 25


def test_it_rejects_an_ors_mark_finer_than_a_millimetre():
    with pytest.raises(InvalidAnswer, match="ors_2"):
        ors(5.0, 5.05, 5.0, 5.0)


def test_ors_has_no_proration():
    result = ors(5.0, 5.0, 5.0, None)
    assert result.total is None


# -- SRS ----------------------------------------------------------------------------------


def srs(*marks):
    return score_of("srs", answers_for("srs", list(marks)))


@pytest.mark.parametrize(("marks", "alert"), [((9.0, 9.0, 9.0, 8.9), True), ((9, 9, 9, 9), False)])
def test_srs_alerts_below_36(marks, alert):
    assert srs(*marks).below_alert_threshold is alert


def test_srs_reports_bond_goals_tasks_and_overall():
    result = srs(9.5, 8.0, 7.5, 9.1)
    assert result.total == 34.1
    assert dict(result.subscales) == {"bond": 9.5, "goals": 8.0, "tasks": 7.5, "overall": 9.1}
