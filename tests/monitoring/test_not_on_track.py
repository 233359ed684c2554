from __future__ import annotations

import math

import pytest

from rapport.monitoring.signals import (
    ChangeCriteria,
    CitedValue,
    CriteriaError,
    default_trajectory,
    detect_not_on_track,
)
from rapport.monitoring.signals.trajectory import tolerance_severity
from tests.monitoring._helpers import ORS, PHQ, kinds, scores, series

MODEL = default_trajectory(PHQ)


def _bound(intake: float, session: int) -> float:
    band = MODEL.bands[MODEL.band_index(intake)]
    return tolerance_severity(band, intake, session, MODEL.tolerance_z.value)


def test_default_bands_are_reliable_change_steps_above_the_cutoff():
    assert [b.intake_from for b in MODEL.bands] == [-math.inf, 10, 16, 22]
    assert [b.name for b in MODEL.bands] == ["below cut-off", "mild", "moderate", "severe"]


@pytest.mark.parametrize(
    ("criteria", "score"),
    [(PHQ, 9), (PHQ, 10), (ORS, 24.9), (ORS, 25.0), (ORS, 25.1)],
)
def test_an_intake_falls_in_the_below_cut_off_band_exactly_when_it_is_not_clinical(criteria, score):
    # ORS is clinical *below* 25: an intake of exactly 25 is not (Miller et al. 2003).
    model = default_trajectory(criteria)
    band = model.bands[model.band_index(criteria.sign * score)]
    assert (band.name != "below cut-off") == bool(criteria.is_clinical(score))


def test_a_client_improving_as_expected_is_on_track():
    values = [18, 16, 14, 12, 11, 10, 9, 9]
    assert detect_not_on_track(series(scores("phq9", values)), MODEL) == ()


def test_a_client_getting_worse_falls_outside_the_band():
    found = detect_not_on_track(series(scores("phq9", [18, 18, 20, 21, 21])), MODEL)
    assert kinds(found) == [("not_on_track", 3)]
    evidence = found[0].evidence
    assert evidence["intake_band"] == "moderate"
    assert evidence["score"] > evidence["tolerance_bound"]


def test_no_judgement_before_the_third_session():
    assert detect_not_on_track(series(scores("phq9", [18, 27])), MODEL) == ()


def test_a_score_just_inside_the_band_is_on_track_and_just_outside_is_not():
    bound = _bound(18, 3)
    inside = detect_not_on_track(series(scores("phq9", [18, 18, bound - 0.01])), MODEL)
    outside = detect_not_on_track(series(scores("phq9", [18, 18, bound + 0.01])), MODEL)
    assert inside == ()
    assert kinds(outside) == [("not_on_track", 3)]


def test_the_band_widens_the_further_treatment_goes():
    assert _bound(18, 8) - (18 + MODEL.bands[2].slope * math.log(8)) > _bound(18, 3) - (
        18 + MODEL.bands[2].slope * math.log(3)
    )


def test_direction_is_respected_for_a_higher_is_better_scale():
    model = default_trajectory(ORS)
    assert detect_not_on_track(series(scores("ors", [15, 17, 19, 21])), model) == ()
    found = detect_not_on_track(series(scores("ors", [15, 14, 11, 10])), model)
    assert kinds(found) == [("not_on_track", 3)]
    assert found[0].evidence["tolerance_bound"] > 11


def test_an_instrument_without_a_cutoff_has_no_default_trajectory():
    criteria = ChangeCriteria("x", "higher_is_worse", reliable_change=CitedValue(3, "test"))
    with pytest.raises(CriteriaError, match="cut-off"):
        default_trajectory(criteria)


def test_session_index_counts_from_the_first_score_not_session_one():
    found = detect_not_on_track(series(scores("phq9", [18, 18, 22], first=5)), MODEL)
    assert kinds(found) == [("not_on_track", 7)]
    assert found[0].evidence["session_index"] == 3
