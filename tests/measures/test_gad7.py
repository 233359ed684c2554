"""GAD-7: hand-computed totals, bands at every boundary and proration."""

from __future__ import annotations

import pytest

from tests.measures._helpers import answers_for, filled_to, score_of


def gad7(values):
    return score_of("gad7", answers_for("gad7", values))


def test_it_sums_seven_items_into_the_total():
    result = gad7([1, 2, 3, 1, 2, 3, 0])
    assert (result.total, result.band, result.clinical) == (12, "Moderate", True)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "Minimal"),
        (4, "Minimal"),
        (5, "Mild"),
        (9, "Mild"),
        (10, "Moderate"),
        (14, "Moderate"),
        (15, "Severe"),
        (21, "Severe"),
    ],
)
def test_it_bands_each_boundary_as_spitzer_2006(total, band):
    result = gad7(filled_to(total, 7, 3))
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(("total", "clinical"), [(9, False), (10, True)])
def test_the_clinical_cutoff_is_ten_or_more(total, clinical):
    assert gad7(filled_to(total, 7, 3)).clinical is clinical


def test_it_prorates_one_missing_gad7_item():
    # 12 / 6 x 7 = 14
    result = gad7([1, 2, 3, 1, 2, 3, None])
    assert result.total == 14
    assert result.prorated is True
    assert result.band == "Moderate"


def test_it_refuses_a_total_when_two_gad7_items_are_missing():
    result = gad7([1, 2, 3, 1, 2, None, None])
    assert result.total is None
    assert any("2 items missing" in warning for warning in result.warnings)


def test_gad7_has_no_risk_items():
    assert gad7([3] * 7).risk_flags == ()
