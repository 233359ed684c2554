from __future__ import annotations

import json

import pytest

from rapport.monitoring.signals import (
    BASE_RATE,
    DEFAULT_DROPOUT_MODEL,
    ClientAttributes,
    calibrate_intercept,
    detect_dropout_risk,
    dropout_features,
    estimate_dropout,
    population_mean,
    reference_population,
)
from tests.monitoring._helpers import CHECKIN, PHQ, scores, series

CHANGE = {"phq9": PHQ}
ALLIANCE = {"checkin": CHECKIN}


def _features(client):
    return dropout_features(client, change=CHANGE, alliance=ALLIANCE)


def test_mean_risk_over_the_reference_population_is_the_published_base_rate():
    mean = population_mean(DEFAULT_DROPOUT_MODEL, reference_population())
    assert mean == pytest.approx(BASE_RATE.value, abs=0.001)


def test_the_shipped_intercept_is_the_solved_one():
    solved = calibrate_intercept(DEFAULT_DROPOUT_MODEL, reference_population())
    assert solved.intercept.value == pytest.approx(DEFAULT_DROPOUT_MODEL.intercept.value, abs=1e-3)


def test_a_client_with_no_risk_factors_is_below_the_base_rate():
    estimate = estimate_dropout({})
    assert estimate.probability < BASE_RATE.value
    assert estimate.factors == ()


def test_factors_are_ordered_by_contribution():
    estimate = estimate_dropout(
        {"young_age": 1, "weak_alliance": 1, "missed_appointments": 2, "mandated": 1}
    )
    names = [f.name for f in estimate.factors]
    assert names[:2] == ["weak_alliance", "missed_appointments"]
    contributions = [f.contribution for f in estimate.factors]
    assert contributions == sorted(contributions, reverse=True)


def test_missed_appointments_are_capped_at_three():
    client = series(scores("phq9", [15, 15]), attended=[1, 2], missed=[3, 4, 5, 6, 7])
    assert _features(client)["missed_appointments"] == 3


def test_weak_alliance_reads_the_latest_rating():
    assert _features(series(scores("checkin", [30, 38])))["weak_alliance"] == 0
    assert _features(series(scores("checkin", [38, 35])))["weak_alliance"] == 1


def test_an_unrepaired_rupture_counts_as_a_falling_alliance():
    assert _features(series(scores("checkin", [38, 38, 38, 30, 31])))["falling_alliance"] == 1
    assert _features(series(scores("checkin", [38, 38, 38, 30, 38])))["falling_alliance"] == 0


def test_no_improvement_is_judged_from_the_third_session():
    assert _features(series(scores("phq9", [15, 16])))["no_improvement"] == 0
    assert _features(series(scores("phq9", [15, 16, 15])))["no_improvement"] == 1
    assert _features(series(scores("phq9", [15, 16, 14])))["no_improvement"] == 0


def test_young_age_means_under_25():
    def young(age):
        return _features(series(attributes=ClientAttributes(age=age)))["young_age"]

    assert (young(24), young(25), young(None)) == (1, 0, 0)


def _risky_client():
    return series(
        scores("phq9", [15, 16, 17]),
        scores("checkin", [34, 33, 33]),
        attended=[1, 2, 3],
        missed=[4],
        attributes=ClientAttributes(age=20, mandated=True, trainee_therapist=True),
    )


def test_a_high_risk_client_gets_a_signal_that_says_it_is_an_estimate():
    found = detect_dropout_risk(_risky_client(), change=CHANGE, alliance=ALLIANCE)
    assert len(found) == 1
    signal = found[0]
    assert signal.kind == "dropout_risk" and signal.severity == "high"
    assert signal.session == 4
    assert "estimate, not a certainty" in signal.explanation
    assert "Giesemann" in signal.explanation
    json.dumps(signal.evidence)
    assert signal.evidence["factors"][0]["name"] == "weak_alliance"


def test_a_low_risk_client_gets_no_signal():
    client = series(scores("phq9", [15, 12, 9]), scores("checkin", [38, 39, 39]))
    assert detect_dropout_risk(client, change=CHANGE, alliance=ALLIANCE) == ()


def test_the_signal_fires_at_the_documented_threshold():
    threshold = DEFAULT_DROPOUT_MODEL.signal_threshold.value
    # weak alliance + mandated + one missed appointment: just above 30%.
    estimate = estimate_dropout({"weak_alliance": 1, "mandated": 1, "missed_appointments": 1})
    assert estimate.probability >= threshold
    estimate = estimate_dropout({"weak_alliance": 1, "mandated": 1})
    assert estimate.probability < threshold
