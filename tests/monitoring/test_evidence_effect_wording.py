"""What each dropout reason does to the odds reads naturally at every size: a reason that
barely moves them says so (not "about 1 times the odds"), multipliers take one decimal
under 10 and none from 10, and a huge or unreadable contribution is not given a figure it
cannot bear."""

from __future__ import annotations

import math

import pytest

from rapport.monitoring.templatetags.evidence_text import evidence_rows


def effect(contribution) -> str:
    """The row a missed-appointments reason with this contribution (log-odds) reads as."""
    evidence = {"factors": [{"name": "missed_appointments", "contribution": contribution}]}
    (row,) = evidence_rows(evidence, "dropout_risk")
    assert row[0] == "No-shows and cancellations by the client"
    return row[1]


@pytest.mark.parametrize("factor", [1.01, 1.05, 1.099, 0.95, 0.92])
def test_a_reason_that_barely_moves_the_odds_says_it_hardly_changes_them(factor):
    assert effect(math.log(factor)) == "Hardly changes the odds of ending early"


@pytest.mark.parametrize(
    ("factor", "said"),
    [
        (1.1, "about 1.1 times"),
        (1.3, "about 1.3 times"),
        (2.0, "about 2 times"),
        (2.86, "about 2.9 times"),
        (9.94, "about 9.9 times"),
        (12.4, "about 12 times"),
        (12.5, "about 13 times"),
    ],
)
def test_a_reason_that_raises_the_risk_says_by_how_many_times(factor, said):
    assert effect(math.log(factor)) == f"Raises the risk: {said} the odds of ending early"


@pytest.mark.parametrize(
    ("factor", "said"),
    [(0.9, "about 0.9 times"), (0.5, "about 0.5 times"), (0.12, "about 0.1 times")],
)
def test_a_reason_that_lowers_the_risk_says_by_how_many_times(factor, said):
    assert effect(math.log(factor)) == f"Lowers the risk: {said} the odds of ending early"


def test_the_extremes_are_bounds_not_figures():
    assert effect(math.log(0.05)) == "Lowers the risk: less than 0.1 times the odds of ending early"
    assert effect(5) == "Raises the risk: more than 100 times the odds of ending early"
    assert effect(1000) == "Raises the risk: more than 100 times the odds of ending early"


@pytest.mark.parametrize(
    ("contribution", "said"),
    [
        (0, "No effect on the estimate"),
        (-0.0, "No effect on the estimate"),
        ("nan", "Part of the estimate"),
        ("inf", "Part of the estimate"),
        (None, "Part of the estimate"),
        ("a lot", "Part of the estimate"),
    ],
)
def test_no_contribution_or_one_that_is_not_a_number(contribution, said):
    assert effect(contribution) == said


def test_no_reason_ever_reads_as_one_times_the_odds():
    for step in range(-300, 301):
        text = effect(step / 100)
        assert "about 1 times" not in text and "about 1.0 " not in text, (step, text)
        assert "about 0 times" not in text, (step, text)
