"""PHQ-9: hand-computed totals, bands at every boundary, proration and the item 9 risk flag."""

from __future__ import annotations

import pytest

from tests.measures._helpers import answers_for, filled_to, score_of


def phq9(values):
    return score_of("phq9", answers_for("phq9", values))


def test_it_sums_nine_items_into_the_total():
    result = phq9([1, 2, 3, 0, 1, 2, 3, 0, 0])
    assert result.total == 12
    assert result.band == "Moderate"
    assert result.prorated is False
    assert result.warnings == ()
    assert (result.answered, result.required) == (9, 9)
    assert result.completeness == 1.0


def test_a_total_of_zero_is_minimal_and_not_clinical():
    result = phq9([0] * 9)
    assert (result.total, result.band, result.clinical) == (0, "Minimal", False)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Moderately severe"),
        (19, "Moderately severe"),
        (20, "Severe"),
        (27, "Severe"),
    ],
)
def test_it_bands_each_boundary_as_kroenke_2001(total, band):
    result = phq9(filled_to(total, 9, 3))
    assert result.total == total
    assert result.band == band


@pytest.mark.parametrize(("total", "clinical"), [(9, False), (10, True)])
def test_the_clinical_cutoff_is_ten_or_more(total, clinical):
    assert phq9(filled_to(total, 9, 3)).clinical is clinical


def test_it_flags_any_non_zero_answer_on_item_9_as_risk_even_when_the_total_is_minimal():
    result = phq9([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.total == 1
    assert result.band == "Minimal"
    assert result.risk_flags == ("phq9_9",)


def test_it_raises_no_risk_flag_when_item_9_is_zero():
    assert phq9([3, 3, 3, 3, 3, 3, 3, 3, 0]).risk_flags == ()


def test_it_warns_when_item_9_is_unanswered_instead_of_assuming_no_risk():
    result = phq9([0, 0, 0, 0, 0, 0, 0, 0, None])
    assert result.risk_flags == ()
    assert result.unanswered_risk == ("phq9_9",)
    assert any("phq9_9" in warning and "not answered" in warning for warning in result.warnings)


def test_it_prorates_one_missing_phq9_item():
    # items 1-8 sum to 9; 9 / 8 x 9 = 10.125 -> 10
    result = phq9([1, 1, 1, 1, 1, 1, 1, 2, None])
    assert result.total == 10
    assert result.prorated is True
    assert result.missing == ("phq9_9",)
    assert (result.answered, result.required) == (8, 9)
    assert any(warning.startswith("Total prorated") for warning in result.warnings)


def test_it_prorates_two_missing_phq9_items():
    # items 1-7 sum to 13; 13 / 7 x 9 = 16.71 -> 17
    result = phq9([2, 2, 2, 2, 2, 2, 1, None, None])
    assert result.total == 17
    assert result.band == "Moderately severe"
    assert result.prorated is True


def test_it_rounds_a_prorated_half_up_as_scoring_sheets_do():
    # 4 / 8 x 9 = 4.5 -> 5 (Python's round() would give 4)
    result = phq9([1, 1, 1, 1, 0, 0, 0, 0, None])
    assert result.total == 5
    assert result.band == "Mild"


def test_it_refuses_a_total_when_three_items_are_missing():
    result = phq9([1, 1, 1, 1, 1, 1, None, None, None])
    assert result.total is None
    assert result.band is None
    assert result.clinical is None
    assert result.prorated is False
    assert any("Cannot score the total" in warning for warning in result.warnings)


def test_the_difficulty_question_is_recorded_but_not_scored():
    answers = answers_for("phq9", [0] * 9) | {"phq9_10": 3}
    result = score_of("phq9", answers)
    assert result.total == 0
    assert result.item_values["phq9_10"] == 3
    assert result.required == 9


def test_phq9_items_do_not_offer_prefer_not_to_answer():
    from rapport.measures.errors import InvalidAnswer

    with pytest.raises(InvalidAnswer, match="phq9_1"):
        phq9(["prefer_not_to_answer", 0, 0, 0, 0, 0, 0, 0, 0])
