from __future__ import annotations

import math

import pytest

from rapport.monitoring.signals import (
    ChangeCriteria,
    CitedValue,
    CriteriaError,
    TrajectoryBand,
    TrajectoryModel,
    default_trajectory,
    detect_not_on_track,
)
from rapport.monitoring.signals.criteria import DEFAULT_BAND_NAMES
from rapport.monitoring.signals.trajectory import tolerance_severity
from tests.monitoring._helpers import ORS, PHQ, kinds, scores, series

MODEL = default_trajectory(PHQ)


def _bound(intake: float, session: int) -> float:
    band = MODEL.bands[MODEL.band_index(intake)]
    return tolerance_severity(band, intake, session, MODEL.tolerance_z.value)


def test_default_bands_are_reliable_change_steps_above_the_cutoff():
    assert [b.intake_from for b in MODEL.bands] == [-math.inf, 10, 16, 22]
    assert [b.name for b in MODEL.bands] == [
        "in the non-clinical range",
        "up to one reliable change past the cut-off",
        "one to two reliable changes past the cut-off",
        "two or more reliable changes past the cut-off",
    ]


@pytest.mark.parametrize(
    ("criteria", "score"),
    [(PHQ, 9), (PHQ, 10), (ORS, 24.9), (ORS, 25.0), (ORS, 25.1)],
)
def test_an_intake_falls_in_the_non_clinical_band_exactly_when_it_is_not_clinical(criteria, score):
    # ORS is clinical *below* 25: an intake of exactly 25 is not (Miller et al. 2003).
    model = default_trajectory(criteria)
    band = model.bands[model.band_index(criteria.sign * score)]
    assert (band.name != "in the non-clinical range") == bool(criteria.is_clinical(score))


def test_a_client_improving_as_expected_is_on_track():
    values = [18, 16, 14, 12, 11, 10, 9, 9]
    assert detect_not_on_track(series(scores("phq9", values)), MODEL) == ()


def test_a_client_getting_worse_falls_outside_the_band():
    found = detect_not_on_track(series(scores("phq9", [18, 18, 20, 21, 21])), MODEL)
    assert kinds(found) == [("not_on_track", 3)]
    evidence = found[0].evidence
    assert evidence["intake_band"] == "one to two reliable changes past the cut-off"
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


def test_a_non_clinical_ors_intake_is_explained_as_non_clinical():
    # ORS 30 is above the cut-off of 25, on the non-clinical side: "below cut-off" was false.
    found = detect_not_on_track(series(scores("ors", [30, 22, 20])), default_trajectory(ORS))
    assert kinds(found) == [("not_on_track", 3)]
    text = found[0].explanation
    assert "clients who started in the non-clinical range (this client started at 30)" in text
    assert "below cut-off" not in text


def test_band_names_do_not_reuse_the_instruments_severity_words():
    # A PHQ-9 intake of 14 is "moderate" on the instrument's own bands (Kroenke et al. 2001);
    # the trajectory must not call the same client "mild" on the same page.
    found = detect_not_on_track(series(scores("phq9", [14, 15, 17])), MODEL)
    assert kinds(found) == [("not_on_track", 3)]
    text = found[0].explanation
    assert "started up to one reliable change past the cut-off (this client started at 14)" in (
        text
    )
    for word in ("mild", "moderate", "severe"):
        assert word not in text and word not in found[0].evidence["intake_band"]
        assert all(word not in name for name in DEFAULT_BAND_NAMES)


def test_a_model_calibrated_under_the_old_band_names_is_explained_with_the_new_ones():
    # A clinic's stored calibration copies the names of the model it started from.
    old = ("below cut-off", "mild", "moderate", "severe")
    stored = TrajectoryModel(
        instrument=MODEL.instrument,
        direction=MODEL.direction,
        bands=tuple(
            TrajectoryBand(name, b.intake_from, b.slope, b.slope_sd, b.residual_sd)
            for name, b in zip(old, MODEL.bands, strict=True)
        ),
        tolerance_z=MODEL.tolerance_z,
        first_session_index=MODEL.first_session_index,
        source="calibrated on 60 episodes of this clinic",
    )
    found = detect_not_on_track(series(scores("phq9", [18, 18, 20, 21, 21])), stored)
    assert found[0].evidence["intake_band"] == "one to two reliable changes past the cut-off"
    assert "moderate" not in found[0].explanation


def test_score_and_limit_never_read_the_same_when_they_lie_on_either_side():
    # ORS intake 18: the limit at session 4 is 17.918, so 17.9 is (just) off track.
    model = default_trajectory(ORS)
    found = detect_not_on_track(series(scores("ors", [18, 18, 18, 17.9])), model)
    assert kinds(found) == [("not_on_track", 4)]
    assert found[0].evidence["tolerance_bound"] == pytest.approx(17.918)
    assert "17.9 is below the tolerance limit of 17.92." in found[0].explanation
