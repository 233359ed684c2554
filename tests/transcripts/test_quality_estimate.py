from __future__ import annotations

import json
import math

import pytest

from rapport.transcripts.metrics import SessionMetrics
from rapport.transcripts.quality import (
    DEFAULT_MODEL_PATH,
    FEATURES,
    QualityModelError,
    ScoreRange,
    load_quality_model,
    quality_estimate,
    quality_features,
    quality_reference,
)


def _metrics(**overrides) -> SessionMetrics:
    values = {
        "reflection_to_question_ratio": 1.0,
        "percent_open_questions": 50.0,
        "percent_complex_reflections": 40.0,
        "percent_therapist_input": 20.0,
        "therapist_talk_share": 0.5,
        "therapist_talk_share_by_time": None,
        "change_talk_ratio": 0.5,
        "flag_counts": {"advice": 0, "intervention_without_reflection": 0},
        "counts": {
            "therapist_utterances": 10,
            "reflections": 4,
            "questions": 4,
            "open_questions": 2,
            "closed_questions": 2,
            "simple_reflections": 2,
            "complex_reflections": 2,
            "change_talk": 2,
            "sustain_talk": 2,
        },
    }
    values.update(overrides)
    return SessionMetrics(**values)


def _model(tmp_path, coefs: dict[str, float], intercept: float = 0.0):
    features = [
        {
            "name": name,
            "mean": 0.0 if name != "log_reflection_to_question_ratio" else math.log(2),
            "scale": 1.0,
            "coef": coefs.get(name, 0.0),
        }
        for name in FEATURES
    ]
    path = tmp_path / "quality.json"
    path.write_text(json.dumps({"version": "test", "intercept": intercept, "features": features}))
    return path


def test_features_are_derived_from_metrics_in_shared_units():
    m = _metrics(flag_counts={"advice": 2, "intervention_without_reflection": 1})
    f = quality_features(m)
    assert f["log_reflection_to_question_ratio"] == pytest.approx(math.log(2))
    assert f["share_open_questions"] == pytest.approx(0.5)
    assert f["share_complex_reflections"] == pytest.approx(0.4)
    assert f["share_therapist_input"] == pytest.approx(0.2)
    assert f["unsolicited_advice_rate"] == pytest.approx(0.2)
    assert f["intervention_without_reflection_rate"] == pytest.approx(0.1)
    assert set(f) == set(FEATURES)


def test_a_share_resting_on_fewer_than_three_behaviours_neither_raises_nor_lowers_it():
    # One "reflection" (a judgement the coder misread) made a poor session's top reason.
    counts = {"therapist_utterances": 12, "reflections": 1, "questions": 6}
    counts |= {"simple_reflections": 0, "complex_reflections": 1}
    counts |= {"open_questions": 0, "closed_questions": 6, "change_talk": 1, "sustain_talk": 0}
    f = quality_features(
        _metrics(percent_complex_reflections=100.0, percent_open_questions=0.0, counts=counts)
    )
    assert f["share_complex_reflections"] is None and f["change_talk_ratio"] is None
    assert f["share_open_questions"] == 0.0  # six questions: rated, and counted
    assert f["log_reflection_to_question_ratio"] is not None  # seven behaviours


def test_undefined_metrics_become_missing_features():
    f = quality_features(_metrics(reflection_to_question_ratio=None, counts={}))
    assert f["log_reflection_to_question_ratio"] is None
    assert f["unsolicited_advice_rate"] is None


def test_the_score_is_the_logistic_of_the_linear_model(tmp_path):
    path = _model(tmp_path, {"share_open_questions": 2.0}, intercept=0.5)
    estimate = quality_estimate(_metrics(percent_open_questions=75.0), path)
    assert estimate.score == pytest.approx(1 / (1 + math.exp(-(0.5 + 2.0 * 0.75))))
    assert estimate.model_version == "test"


def test_reasons_say_what_the_session_did_and_which_way_it_moved_the_estimate(tmp_path):
    path = _model(
        tmp_path, {"log_reflection_to_question_ratio": 1.0, "unsolicited_advice_rate": -3.0}
    )
    m = _metrics(reflection_to_question_ratio=0.25, flag_counts={"advice": 3})
    estimate = quality_estimate(m, path)
    assert estimate.top_reasons == (
        "advice given without the client asking or agreeing (lowers the estimate)",
        "few reflections relative to questions (lowers the estimate)",
    )
    assert estimate.contributions[0].feature == "unsolicited_advice_rate"


def test_a_missing_metric_neither_raises_nor_lowers_the_estimate(tmp_path):
    path = _model(tmp_path, {"log_reflection_to_question_ratio": 1.0})
    estimate = quality_estimate(_metrics(reflection_to_question_ratio=None), path)
    assert estimate.score == pytest.approx(0.5)
    assert estimate.top_reasons == ()


def test_a_missing_or_malformed_model_raises_a_quality_model_error(tmp_path):
    with pytest.raises(QualityModelError, match="not found"):
        quality_estimate(_metrics(), tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"intercept": 0}')
    with pytest.raises(QualityModelError, match="malformed"):
        quality_estimate(_metrics(), bad)


def _with_reference(path, reference) -> None:
    data = json.loads(path.read_text())
    data["evaluation"] = {"reference": reference}
    path.write_text(json.dumps(data))


def test_the_reference_scores_are_read_from_the_model_file(tmp_path):
    path = _model(tmp_path, {})
    assert quality_reference(path) is None  # a model file from before the reference
    _with_reference(
        path,
        {
            "high": {"q1": 0.88, "median": 0.93, "q3": 0.96},
            "low": {"q1": 0.41, "median": 0.62, "q3": 0.8},
        },
    )
    reference = quality_reference(path)
    assert reference is not None
    assert reference.high == ScoreRange(0.88, 0.93, 0.96)
    assert reference.low == ScoreRange(0.41, 0.62, 0.8)
    assert reference.model_version == "test"


def test_a_malformed_reference_raises_a_quality_model_error(tmp_path):
    path = _model(tmp_path, {})
    _with_reference(path, {"high": {"q1": 0.88, "median": 0.93, "q3": 0.96}})
    with pytest.raises(QualityModelError, match="reference is malformed"):
        quality_reference(path)


def test_the_shipped_model_file_is_in_the_checkout():
    # Tracked in git: a missing file is a broken build, not a model "not trained yet", so
    # the tests below load it without a skip and a malformed file fails them.
    assert DEFAULT_MODEL_PATH.is_file(), (
        f"the shipped quality model is missing: {DEFAULT_MODEL_PATH}"
    )


def test_the_shipped_reference_puts_high_quality_sessions_above_low_quality_ones():
    reference = quality_reference()
    assert reference is not None
    for group in (reference.high, reference.low):
        assert 0.0 <= group.q1 <= group.median <= group.q3 <= 1.0
    assert reference.high.median > reference.low.median


def test_the_shipped_model_rates_mi_consistent_practice_above_persuading():
    model = load_quality_model()
    assert {f["name"] for f in model["features"]} <= set(FEATURES)
    assert model["evaluation"]["repeated_cv"]["auc_mean"] > 0.5
    good = _metrics(
        reflection_to_question_ratio=2.5,
        percent_open_questions=80.0,
        percent_complex_reflections=60.0,
        percent_therapist_input=5.0,
        therapist_talk_share=0.35,
        change_talk_ratio=0.8,
    )
    poor = _metrics(
        reflection_to_question_ratio=0.2,
        percent_open_questions=20.0,
        percent_complex_reflections=10.0,
        percent_therapist_input=60.0,
        therapist_talk_share=0.75,
        change_talk_ratio=0.2,
        flag_counts={"advice": 4, "intervention_without_reflection": 3},
    )
    assert 0.0 <= quality_estimate(poor).score < quality_estimate(good).score <= 1.0
    assert quality_estimate(poor).top_reasons


def test_reflections_without_questions_get_the_capped_ratio_not_the_mean():
    only_reflections = _metrics(
        reflection_to_question_ratio=None,
        counts={"therapist_utterances": 10, "reflections": 6, "questions": 0},
    )
    nothing = _metrics(reflection_to_question_ratio=None, counts={"therapist_utterances": 10})
    assert quality_features(only_reflections)["log_reflection_to_question_ratio"] == (
        pytest.approx(math.log1p(10.0))
    )
    assert quality_features(nothing)["log_reflection_to_question_ratio"] is None


# --- reasons never contradict the flags on the same page ---------------------------------


@pytest.mark.parametrize("kind", ["advice", "medical_advice", "religious_advice"])
def test_a_little_advice_reason_is_left_out_when_the_session_has_an_advice_flag(tmp_path, kind):
    # A sentence of advice coded as a reflection: "therapist input 0%" raised the estimate
    # as "little of the therapist's talk is information or advice" beside the advice flag.
    path = _model(tmp_path, {"share_therapist_input": -2.0})
    model = json.loads(path.read_text())
    for feature in model["features"]:  # sessions it learnt from averaged 30% input
        feature["mean"] = 0.3 if feature["name"] == "share_therapist_input" else feature["mean"]
    path.write_text(json.dumps(model))
    no_input = {"percent_therapist_input": 0.0}
    flagged = quality_estimate(_metrics(**no_input, flag_counts={kind: 1}), path)
    assert not any("little" in reason for reason in flagged.top_reasons)
    unflagged = quality_estimate(_metrics(**no_input, flag_counts={}), path)
    assert unflagged.top_reasons[0] == (
        "little of the therapist's talk was coded as information or advice (raises the estimate)"
    )
    assert flagged.score == unflagged.score  # it still counts; only the reason is left out


def test_a_reason_agreeing_with_the_advice_flag_is_kept(tmp_path):
    path = _model(tmp_path, {"share_therapist_input": -2.0})
    estimate = quality_estimate(
        _metrics(percent_therapist_input=60.0, flag_counts={"advice": 1}), path
    )
    assert estimate.top_reasons == (
        "much of the therapist's talk was coded as information or advice (lowers the estimate)",
    )
