from __future__ import annotations

import pandas as pd
import pytest

from rapport.monitoring.calibration import calibrate, recalibrate_dropout
from rapport.monitoring.signals import (
    DEFAULT_DROPOUT_MODEL,
    NotEnoughDataError,
    default_trajectory,
    dropout_features,
)
from rapport.monitoring.simulation import SimulationSpec, cohort_frame, simulate_cohort
from tests.monitoring._helpers import CHECKIN, PHQ

SPEC = SimulationSpec(outcome=PHQ, alliance=CHECKIN, outcome_range=(0, 27))


def test_too_few_episodes_is_a_clear_not_enough_data_error():
    history = cohort_frame(simulate_cohort(40, SPEC, seed=1))
    with pytest.raises(NotEnoughDataError, match=r"\d+ episodes.*50 needed") as caught:
        calibrate(history, PHQ)
    assert caught.value.found <= 40 and caught.value.needed == 50


def test_episodes_with_fewer_than_three_scores_do_not_count():
    rows = [(f"e{i}", "phq9", s, 15.0) for i in range(80) for s in (1, 2)]
    history = pd.DataFrame(rows, columns=["episode", "instrument", "session", "score"])
    with pytest.raises(NotEnoughDataError, match="0 episodes"):
        calibrate(history, PHQ)


def test_calibration_reports_held_out_coverage_next_to_the_nominal_one():
    history = cohort_frame(simulate_cohort(300, SPEC, seed=4))
    result = calibrate(history, PHQ, min_band_episodes=15)
    assert result.nominal_coverage == pytest.approx(0.90, abs=0.001)
    assert result.heldout_episodes == pytest.approx(0.25 * result.episodes, abs=1)
    assert abs(result.heldout_coverage - 0.90) < 0.05
    assert any(band.fitted for band in result.bands)
    assert "calibrated" in result.model.source
    assert [b.intake_from for b in result.model.bands] == [
        b.intake_from for b in default_trajectory(PHQ).bands
    ]


def test_sparse_bands_keep_their_previous_parameters():
    history = cohort_frame(simulate_cohort(120, SPEC, seed=4))
    result = calibrate(history, PHQ, min_band_episodes=10_000)
    assert not any(band.fitted for band in result.bands)
    assert result.model.bands == default_trajectory(PHQ).bands


def test_dropout_recalibration_needs_enough_episodes_and_events():
    with pytest.raises(NotEnoughDataError, match="dropout"):
        recalibrate_dropout([{}] * 50, [False] * 50)


def test_dropout_recalibration_keeps_factor_order_and_matches_the_clinic_rate():
    cohort = simulate_cohort(600, SPEC, seed=8)
    config = SPEC.config()
    features = [
        dropout_features(c.series, change=config.change, alliance=config.alliance) for c in cohort
    ]
    outcomes = [c.truth.dropout_session is not None for c in cohort]
    result = recalibrate_dropout(features, outcomes)
    assert result.slope > 0
    names = [f.name for f in result.model.factors]
    assert names == [f.name for f in DEFAULT_DROPOUT_MODEL.factors]
    assert "recalibrated" in result.model.intercept.source
