"""Invalid answers raise InvalidAnswer naming the item; nothing is clipped or coerced."""

from __future__ import annotations

import math

import pytest

from rapport.measures.errors import InvalidAnswer, MeasuresError
from tests.measures._helpers import answers_for, score_of

ZEROS = answers_for("phq9", [0] * 9)


def phq9_with(**changes):
    return score_of("phq9", ZEROS | changes)


def test_it_rejects_an_unknown_item_by_name():
    with pytest.raises(InvalidAnswer) as excinfo:
        phq9_with(phq9_99=1)
    assert excinfo.value.item_id == "phq9_99"
    assert "phq9_99" in str(excinfo.value)
    assert "phq9" in str(excinfo.value)


@pytest.mark.parametrize("value", [4, -1, 27])
def test_it_rejects_an_out_of_range_answer_rather_than_clipping_it(value):
    with pytest.raises(InvalidAnswer, match="phq9_3"):
        phq9_with(phq9_3=value)


@pytest.mark.parametrize("value", ["2", True, False, 1.5, math.nan, math.inf, [1], {"v": 1}])
def test_it_rejects_an_answer_of_the_wrong_type(value):
    with pytest.raises(InvalidAnswer, match="phq9_4"):
        phq9_with(phq9_4=value)


def test_it_accepts_a_whole_float_for_an_option_as_json_decoders_may_give_one():
    assert phq9_with(phq9_1=2.0).total == 2


def test_it_rejects_numbers_for_free_text():
    answers = {"goals": 9, "approach": 9, "relationship": 9, "overall": 9, "differently": 5}
    with pytest.raises(InvalidAnswer, match="differently"):
        score_of("session-checkin", answers)


def test_it_rejects_prefer_not_to_answer_where_the_item_does_not_offer_it():
    with pytest.raises(InvalidAnswer, match="prefer not to answer"):
        phq9_with(phq9_2="prefer_not_to_answer")


def test_invalid_answer_belongs_to_the_package_error_hierarchy():
    assert issubclass(InvalidAnswer, MeasuresError)
    assert issubclass(InvalidAnswer, ValueError)
