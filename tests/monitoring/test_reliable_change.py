from __future__ import annotations

import json

import pytest

from rapport.monitoring.signals import (
    ChangeCriteria,
    CitedValue,
    CriteriaError,
    detect_reliable_change,
)
from tests.monitoring._helpers import ORS, PHQ, kinds, scores, series


def test_a_drop_of_exactly_the_published_reliable_change_is_reliable_improvement():
    found = detect_reliable_change(series(scores("phq9", [18, 15, 12])), PHQ)
    assert kinds(found) == [("reliable_improvement", 3)]


def test_a_change_one_point_short_of_the_reliable_change_is_not_reliable():
    assert detect_reliable_change(series(scores("phq9", [18, 15, 13])), PHQ) == ()


def test_a_rise_on_a_higher_is_worse_scale_is_deterioration():
    found = detect_reliable_change(series(scores("phq9", [8, 10, 14])), PHQ)
    assert kinds(found) == [("reliable_deterioration", 3)]
    assert found[0].severity == "high"


def test_a_rise_on_a_higher_is_better_scale_is_improvement():
    found = detect_reliable_change(series(scores("ors", [18, 20, 23])), ORS)
    assert kinds(found) == [("reliable_improvement", 3)]


def test_a_fall_on_a_higher_is_better_scale_is_deterioration():
    found = detect_reliable_change(series(scores("ors", [30, 27, 25])), ORS)
    assert kinds(found) == [("reliable_deterioration", 3)]


def test_recovery_needs_reliable_improvement_and_crossing_the_cutoff():
    found = detect_reliable_change(series(scores("phq9", [15, 12, 9])), PHQ)
    assert kinds(found) == [("reliable_improvement", 3), ("recovered", 3)]
    assert found[1].evidence["clinical_cutoff"] == 10


def test_landing_on_the_cutoff_is_still_clinical_for_phq9():
    found = detect_reliable_change(series(scores("phq9", [16, 10])), PHQ)
    assert kinds(found) == [("reliable_improvement", 2)]


def test_reaching_the_ors_cutoff_leaves_the_clinical_range():
    found = detect_reliable_change(series(scores("ors", [19, 25])), ORS)
    assert kinds(found) == [("reliable_improvement", 2), ("recovered", 2)]


def test_crossing_the_cutoff_without_reliable_change_is_not_recovery():
    assert detect_reliable_change(series(scores("phq9", [11, 8])), PHQ) == ()


def test_a_client_who_started_below_the_cutoff_cannot_recover():
    found = detect_reliable_change(series(scores("phq9", [9, 2])), PHQ)
    assert kinds(found) == [("reliable_improvement", 2)]


def test_a_single_score_gives_no_signal():
    assert detect_reliable_change(series(scores("phq9", [27])), PHQ) == ()


def test_a_lasting_improvement_is_reported_once_when_it_starts():
    found = detect_reliable_change(series(scores("phq9", [20, 12, 11, 12, 13])), PHQ)
    assert kinds(found) == [("reliable_improvement", 2)]


def test_improvement_lost_and_regained_is_reported_again():
    found = detect_reliable_change(series(scores("phq9", [20, 12, 18, 13])), PHQ)
    assert kinds(found) == [("reliable_improvement", 2), ("reliable_improvement", 4)]


def _jacobson_truax() -> ChangeCriteria:
    # SE = 5 * sqrt(1 - .84) = 2.0; threshold = 1.96 * sqrt(2) * 2.0 = 5.544 points.
    return ChangeCriteria(
        instrument="phq9",
        direction="higher_is_worse",
        sd=CitedValue(5, "test figure"),
        reliability=CitedValue(0.84, "test figure"),
    )


def test_without_a_published_value_the_jacobson_truax_index_decides():
    criteria = _jacobson_truax()
    assert criteria.rule().threshold == pytest.approx(5.544, abs=1e-3)
    assert detect_reliable_change(series(scores("phq9", [18, 12.5])), criteria) == ()
    found = detect_reliable_change(series(scores("phq9", [18, 12.4])), criteria)
    assert kinds(found) == [("reliable_improvement", 2)]
    assert found[0].evidence["rc_index"] == pytest.approx(-1.979, abs=1e-3)


def test_an_rc_index_of_exactly_196_is_not_reliable():
    criteria = _jacobson_truax()
    exact = criteria.rule().threshold
    assert detect_reliable_change(series(scores("phq9", [18, 18 - exact])), criteria) == ()


def test_no_reliable_change_figure_at_all_is_a_clear_error():
    criteria = ChangeCriteria(instrument="x", direction="higher_is_worse")
    with pytest.raises(CriteriaError, match="reliable change"):
        detect_reliable_change(series(scores("x", [1, 2])), criteria)


def test_evidence_is_json_serialisable_and_names_the_rule():
    found = detect_reliable_change(series(scores("phq9", [18, 11])), PHQ)
    evidence = json.loads(json.dumps(found[0].evidence))
    assert evidence["threshold"] == 6
    assert evidence["comparison"] == ">="
    assert evidence["intake_score"] == 18 and evidence["score"] == 11
    assert "test figure" in found[0].source
