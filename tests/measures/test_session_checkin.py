"""The after-session check-in: four 0-10 sliders, the "pushed" question and free text."""

from __future__ import annotations

import pytest

from rapport.measures.definitions import DECLINED
from rapport.measures.errors import InvalidAnswer
from tests.measures._helpers import instrument, score_of


def checkin(goals=9, approach=9, relationship=9, overall=9, **extra):
    answers = {
        "goals": goals,
        "approach": approach,
        "relationship": relationship,
        "overall": overall,
        **extra,
    }
    return score_of("session-checkin", answers)


def test_it_is_our_own_unvalidated_feedback_tool():
    checkin_instrument = instrument("session-checkin")
    assert checkin_instrument.validated is False
    assert "not a validated measure" in checkin_instrument.notes
    assert "CC0" in checkin_instrument.licence
    assert checkin_instrument.sendable is True


def test_it_sums_the_four_sliders_into_a_total_out_of_40():
    result = checkin(goals=8, approach=7, relationship=10, overall=6, pushed=0)
    assert result.total == 31
    assert dict(result.subscales) == {
        "goals": 8,
        "tasks": 7,
        "bond": 10,
        "overall": 6,
        "pushed": 0,
    }


@pytest.mark.parametrize(("overall", "alert"), [(9, False), (8, True)])
def test_it_alerts_below_36_as_in_pcoms_practice(overall, alert):
    result = checkin(overall=overall, pushed=0)
    assert result.total == 27 + overall
    assert result.below_alert_threshold is alert


def test_feeling_pushed_is_reported_on_its_own_and_not_added_to_the_total():
    result = checkin(pushed=2)
    assert result.total == 36
    assert result.subscales["pushed"] == 2


def test_a_client_may_decline_the_pushed_question():
    result = checkin(pushed=DECLINED)
    assert result.declined == ("pushed",)
    assert result.subscales["pushed"] is None
    assert result.total == 36
    assert (result.answered, result.required) == (4, 5)


def test_it_keeps_the_free_text_apart_and_never_scores_it():
    result = checkin(pushed=0, differently="A bit more time for the homework.")
    assert result.text_answers == {"differently": "A bit more time for the homework."}
    assert "differently" not in result.item_values
    assert result.total == 36


def test_an_empty_comment_is_treated_as_no_comment():
    result = checkin(pushed=0, differently="   ")
    assert dict(result.text_answers) == {}
    assert result.completeness == 1.0


def test_a_missing_slider_leaves_no_total_and_no_alert():
    result = checkin(overall=None, pushed=0)
    assert result.total is None
    assert result.below_alert_threshold is None
    assert result.subscales["overall"] is None


@pytest.mark.parametrize("value", [10.5, 11, -1, 3.5])
def test_it_rejects_slider_values_off_the_0_to_10_grid(value):
    with pytest.raises(InvalidAnswer, match="goals"):
        checkin(goals=value)


def test_it_accepts_pushed_only_as_no_a_little_or_yes():
    with pytest.raises(InvalidAnswer, match="pushed"):
        checkin(pushed=3)


def test_a_declined_question_is_named_as_declined_in_the_warning():
    result = checkin(pushed=DECLINED)
    assert any("pushed (declined)" in warning for warning in result.warnings)
