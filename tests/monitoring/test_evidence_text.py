"""The Evidence panel reads as plain words, while the detectors' evidence stays as it was.

A walkthrough found "Factors name: missed_appointments; contribution: 1.1", "Intercept -2.4",
"Instrument session-checkin" and "Subscales bond: 6; goals: 6" on the client page.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from rapport.monitoring.signals import (
    ClientAttributes,
    Observation,
    detect_all,
    detect_dropout_risk,
)
from rapport.monitoring.signals.adapter import config_for
from rapport.monitoring.signals.dropout import DEFAULT_DROPOUT_MODEL, ClinicOutcomes
from rapport.monitoring.templatetags.evidence_text import evidence_rows
from rapport.monitoring.templatetags.monitoring_tags import evidence_items
from tests.monitoring._helpers import CHECKIN, PHQ, scores, series


def _checkin(session: int, goals: int, tasks: int, bond: int, overall: int) -> Observation:
    return Observation(
        "session-checkin",
        session,
        float(goals + tasks + bond + overall),
        subscales={"bond": bond, "goals": goals, "overall": overall, "tasks": tasks},
    )


def _rows(signal) -> dict[str, str]:
    return dict(evidence_rows(signal.evidence, signal.kind))


def _no_developer_output(rows: dict[str, str]) -> None:
    text = " ".join(f"{label} {value}" for label, value in rows.items())
    assert not re.search(r"\w_\w", text), text  # no field names such as missed_appointments
    assert "name:" not in text and "contribution:" not in text and "{" not in text
    assert "Intercept" not in text and "session-checkin" not in text


def test_a_low_alliance_names_the_measure_and_its_parts_in_words():
    low_series = series([_checkin(1, 6, 7, 6, 7)])
    (low,) = [
        s
        for s in detect_all(low_series, config_for(["session-checkin"]))
        if s.kind == "alliance_low"
    ]
    rows = _rows(low)
    assert rows["Measure"] == "After-session check-in (Check-in)"
    assert rows["Parts"] == "Goals 6, Tasks 7, Bond 6, Overall 7"
    assert rows["Counts as low"] == "a total below 36"
    assert "Subscales" not in rows and "Instrument" not in rows
    _no_developer_output(rows)
    # The evidence itself is untouched: the researcher CSV/JSON outputs read these keys.
    assert low.evidence["instrument"] == "session-checkin"
    assert low.evidence["subscales"] == {"bond": 6, "goals": 6, "overall": 7, "tasks": 7}


def test_dropout_factors_read_as_plain_reasons_and_the_intercept_is_left_out():
    client = series(
        scores("checkin", [38, 30]),
        attended=[1, 2],
        missed=[3, 4, 5],
        attributes=ClientAttributes(age=22, trainee_therapist=True),
    )
    (risk,) = detect_dropout_risk(client, change={"phq9": PHQ}, alliance={"checkin": CHECKIN})
    rows = _rows(risk)
    # Only no-shows and the client's own cancellations count since aaf1d9f.
    assert rows["No-shows and cancellations by the client"] == (
        "Raises the risk: about 2.9 times the odds of ending early"  # exp(3 x 0.35)
    )
    assert "Missed or cancelled appointments" not in rows
    assert rows["Younger client"].startswith("Raises the risk: about 1.5 times")
    assert rows["Average chance of ending early (published)"] == "19.7%"
    # The published model's number is no calibrated chance (9f1e901): the band is shown in
    # words, the thresholds are said to apply to the uncalibrated score, and no percentage
    # for this client appears.
    assert rows["Chance of ending early"] == "much higher than usual"
    assert rows["Counts as higher than usual"] == "a model score of 30% or more (uncalibrated)"
    assert rows["Counts as much higher than usual (high priority)"] == (
        "a model score of 50% or more (uncalibrated)"
    )
    assert "Band" not in rows and "Estimated chance of ending early" not in rows
    assert not any(label.startswith("Raised from") for label in rows)
    assert rows["Rule"].startswith(
        "Raised when the model's score for ending early is 30% or more (50% or more: high "
        "priority). The score starts from the published average"
    )
    assert rows["Rule"].endswith(
        "Not raised during a planned ending or once the client has recovered (reliable and "
        "clinically significant change)."
    )
    _no_developer_output(rows)
    assert risk.evidence["intercept"] == pytest.approx(-2.4437)
    assert {f["name"] for f in risk.evidence["factors"]} >= {"missed_appointments", "young_age"}


def test_a_dropout_estimate_recalibrated_on_the_clinic_reads_as_a_chance():
    client = series(
        scores("checkin", [38, 30]),
        attended=[1, 2],
        missed=[3],
        attributes=ClientAttributes(age=22),
    )
    model = replace(DEFAULT_DROPOUT_MODEL, recalibrated_on=ClinicOutcomes(250, 90))
    (risk,) = detect_dropout_risk(
        client, change={"phq9": PHQ}, alliance={"checkin": CHECKIN}, model=model
    )
    rows = _rows(risk)
    assert rows["Chance of ending early"] == risk.evidence["band"]
    assert rows["Estimated chance of ending early"] == (
        f"{round(risk.evidence['probability'] * 100, 1):g}%"
    )
    assert rows["Counts as higher than usual"] == "an estimated chance of 30% or more"
    assert rows["Counts as much higher than usual (high priority)"] == (
        "an estimated chance of 50% or more"
    )
    assert rows["This clinic's rate of ending early"] == "36%"
    assert rows["Rule"].startswith(
        "Raised when the estimated chance of ending early is 30% or more (50% or more: high "
        "priority). The model is recalibrated on this clinic's ended episodes"
    )
    assert "uncalibrated" not in " ".join(rows.values())
    _no_developer_output(rows)


def test_a_reliable_change_says_its_rule_and_direction_in_words():
    client = series(scores("phq9", [20, 12]))
    (better,) = [
        s for s in detect_all(client, config_for(["phq9"])) if s.kind == "reliable_improvement"
    ]
    rows = _rows(better)
    assert rows["Measure"] == "Patient Health Questionnaire-9 (PHQ-9)"
    assert rows["Direction"] == "higher scores are worse"
    assert rows["Change since intake"] == "-8"
    assert rows["Counts as reliable change"].startswith("a change of ")
    assert "Comparison" not in rows
    _no_developer_output(rows)


def test_the_tolerance_band_and_feedback_thresholds_read_as_sentences():
    rows = dict(
        evidence_rows(
            {"tolerance_z": 1.2816, "thresholds": {"consecutive_missing": 2, "max_days": 28}},
            "not_on_track",
        )
    )
    assert rows["Tolerance band"].startswith("90% of clients on the expected course")
    assert rows["Raised when"] == (
        "2 expected check-ins in a row are missing, or 28 days pass without a check-in while "
        "sessions continue"
    )


def test_an_unknown_key_still_shows_without_python_punctuation():
    rows = evidence_rows({"new_figure": {"some_part": 1.5, "other": [1, 2]}}, "alliance_low")
    assert rows == [("New figure", "Some part 1.5, Other 1, 2")]


def test_the_template_filter_reads_the_alert_kind():
    class Alert:
        kind = "alliance_rupture"
        evidence = {"threshold": 4, "drop": 6.5}

    assert evidence_items(Alert()) == [
        ("Counts as a rupture", "a drop of 4 points or more"),
        ("Drop", "6.5 points"),
    ]


def test_a_dropout_risk_names_the_measure_the_client_is_better_on_as_its_explanation_does():
    config = config_for(["phq9", "session-checkin"])
    client = series(
        scores("phq9", [24, 20, 13]),
        scores("session-checkin", [38, 38, 26]),
        attended=[1, 2, 3],
        missed=[4, 5],
    )
    (risk,) = detect_dropout_risk(client, change=config.change, alliance=config.alliance)
    assert "reliably better on the PHQ-9 (24 to 13)" in risk.explanation
    rows = _rows(risk)
    assert rows["Reliably better on"] == "PHQ-9"
    assert "Reliably improved on" not in rows
    assert risk.evidence["reliably_improved_on"] == "phq9"  # the CSV/JSON key is unchanged
