"""CORE-10: reverse-keyed items 2 and 3, one-decimal proration, Barkham et al. (2013) bands."""

from __future__ import annotations

import pytest

from tests.measures._helpers import answers_for, instrument, score_of


def core10(values):
    return score_of("core10", answers_for("core10", values))


def keyed_to(total: int) -> list[int]:
    """Answers whose keyed total is ``total``: items 2 and 3 answered 4 (= keyed 0),
    the other eight items filled to the maximum first."""
    values = [0, 4, 4, 0, 0, 0, 0, 0, 0, 0]
    remaining = total
    for index in (0, 3, 4, 5, 6, 7, 8, 9):
        values[index] = min(4, remaining)
        remaining -= values[index]
    assert remaining == 0
    return values


def test_items_2_and_3_are_the_reverse_keyed_ones():
    assert instrument("core10").reverse_keyed == ("core10_2", "core10_3")


def test_it_reverse_scores_core10_items_2_and_3():
    # "Not at all" (0) on "someone to turn to" and "able to cope" counts 4 each.
    result = core10([0] * 10)
    assert result.total == 8.0
    assert result.item_values["core10_2"] == 0  # the answer as given, not the keyed value


def test_the_highest_answer_on_every_item_gives_32_not_40():
    # 8 items x 4 + items 2 and 3 keyed 0
    assert core10([4] * 10).total == 32.0


def test_it_scores_the_worst_possible_answers_as_40():
    assert core10([4, 0, 0, 4, 4, 4, 4, 4, 4, 4]).total == 40.0


def test_it_prorates_one_missing_core10_item():
    # keyed: 2x7 + (4-4) + (4-2) = 16 over 9 items; 16 / 9 x 10 = 17.78 -> 17.8
    result = core10([2, 4, 2, 2, None, 2, 2, 2, 2, 2])
    assert result.total == 17.8
    assert result.prorated is True
    assert result.band == "Moderate"
    assert result.missing == ("core10_5",)


def test_a_prorated_total_between_two_bands_takes_the_lower_band():
    # keyed sum 5 over 9 answered: 5 / 9 x 10 = 5.56 -> 5.6, below the "Low level" band at 6
    result = core10([1, 4, 4, 1, 1, 1, 1, 0, None, 0])
    assert result.total == 5.6
    assert result.band == "Healthy"


def test_a_prorated_total_just_over_the_cutoff_is_clinical():
    # keyed sum 10 over 9 answered: 10 / 9 x 10 = 11.1
    result = core10([2, 4, 4, 2, 2, 2, 2, None, 0, 0])
    assert result.total == 11.1
    assert result.clinical is True
    assert result.band == "Mild"


def test_it_refuses_a_core10_total_with_two_items_missing():
    result = core10([2, 4, 2, 2, None, 2, 2, None, 2, 2])
    assert result.total is None
    assert result.band is None
    assert any("at most 1 allowed" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Healthy"),
        (5, "Healthy"),
        (6, "Low level"),
        (10, "Low level"),
        (11, "Mild"),
        (14, "Mild"),
        (15, "Moderate"),
        (19, "Moderate"),
        (20, "Moderate-to-severe"),
        (24, "Moderate-to-severe"),
        (25, "Severe"),
        (32, "Severe"),
    ],
)
def test_it_bands_each_boundary_as_barkham_2013(total, band):
    result = core10(keyed_to(total))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "clinical"), [(10, False), (11, True)])
def test_the_clinical_cutoff_is_eleven(total, clinical):
    assert core10(keyed_to(total)).clinical is clinical


def test_it_flags_item_6_plans_to_end_life_as_risk():
    result = core10([0, 4, 4, 0, 0, 1, 0, 0, 0, 0])
    assert result.risk_flags == ("core10_6",)
    assert result.total == 1.0


def test_core10_carries_the_core_system_trust_attribution():
    assert "CORE System Trust" in instrument("core10").attribution
    assert "CC BY-ND" in instrument("core10").licence
