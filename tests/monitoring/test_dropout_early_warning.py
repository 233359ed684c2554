"""The dropout model's recalibration reads an ended episode as of its early-warning point
(the third attended session, else the last), never after it, and a recalibrated model says
whose average it compares with. Pure: no database."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from rapport.monitoring.calibration import recalibrate_dropout
from rapport.monitoring.signals import (
    DEFAULT_DROPOUT_MODEL,
    AttendanceRecord,
    ClientAttributes,
    ClinicOutcomes,
    detect_dropout_risk,
    dropout_features,
    early_warning_point,
    series_as_of,
)
from tests.monitoring._helpers import CONFIG, scores, series, session_date


def _features(client_series):
    return dropout_features(client_series, change=CONFIG.change, alliance=CONFIG.alliance)


def _client_who_left_after_session_3():
    """Three sessions with a steady alliance, then two missed appointments, numbered 3 as
    every appointment missed before the next session is (``monitoring.series``)."""
    attended = series(scores("checkin", [38, 38, 38]), attended=[1, 2, 3])
    late_missed = (
        AttendanceRecord(3, "no_show", session_date(4)),
        AttendanceRecord(3, "no_show", session_date(5)),
    )
    return replace(attended, attendance=attended.attendance + late_missed)


def test_the_point_is_the_third_attended_session_else_the_last():
    five = series(attended=[1, 2, 3, 4, 5], missed=[2])
    assert early_warning_point(five) == AttendanceRecord(3, "attended", session_date(3))
    two = series(attended=[1, 2])
    assert early_warning_point(two) == AttendanceRecord(2, "attended", session_date(2))
    assert early_warning_point(series(missed=[0])) is None


def test_appointments_missed_after_the_point_do_not_count():
    left = _client_who_left_after_session_3()
    assert _features(left)["missed_appointments"] == 2  # what the episode's end shows
    at_point = series_as_of(left, early_warning_point(left))
    assert _features(at_point)["missed_appointments"] == 0
    assert at_point.today == session_date(3)


def test_appointments_missed_before_the_point_still_count():
    client = series(attended=[1, 2, 3, 4], missed=[2])
    at_point = series_as_of(client, early_warning_point(client))
    assert _features(at_point)["missed_appointments"] == 1


def test_scores_of_later_sessions_or_given_after_the_day_do_not_count():
    steady = scores("checkin", [38, 38, 38, 30, 29])
    # A rating placed at session 3 but answered two weeks later (no appointment to place it).
    late = replace(scores("checkin", [30], first=3)[0], date=session_date(5))
    client = series([o for o in steady if o.session != 3] + [late], attended=[1, 2, 3, 4, 5])
    assert _features(client)["weak_alliance"] == 1.0
    at_point = series_as_of(client, early_warning_point(client))
    assert [o.score for o in at_point.of("checkin")] == [38, 38]
    assert _features(at_point)["weak_alliance"] == 0.0


def test_recalibration_matches_the_clinics_rate_on_average():
    features = [{"missed_appointments": float(i % 3), "weak_alliance": float(i % 5 == 0)}
                for i in range(300)]  # fmt: skip
    dropped = [i % 5 < 2 for i in range(300)]  # 40%
    result = recalibrate_dropout(features, dropped)
    assert result.observed_rate == pytest.approx(0.4)
    assert result.mean_predicted == pytest.approx(0.4, abs=1e-4)
    assert result.model.recalibrated_on == ClinicOutcomes(episodes=300, dropouts=120)
    weak = result.model.factor("weak_alliance").log_odds.source
    assert weak.startswith("recalibrated on 300 episodes of this clinic")
    assert "Sharf" in weak  # the direction and relative size still come from the source


def test_identical_episodes_recalibrate_the_base_rate_only():
    # A clinic that records no measures: every episode has the same factors, so there is
    # nothing to scale them by (the full fit is singular); the base rate still adapts.
    result = recalibrate_dropout([{}] * 250, [i < 100 for i in range(250)])
    assert result.intercept_only and result.slope == 1.0
    assert result.mean_predicted == pytest.approx(0.4, abs=1e-4)
    assert math.isclose(
        result.model.factor("weak_alliance").log_odds.value,
        DEFAULT_DROPOUT_MODEL.factor("weak_alliance").log_odds.value,
    )
    assert "intercept only" in result.model.intercept.source


def test_a_recalibrated_signal_compares_with_the_clinics_own_rate_and_cites_it():
    features_client = series(
        scores("checkin", [38, 38, 30]),
        attended=[1, 2, 3],
        missed=[2],
        attributes=ClientAttributes(age=40),
    )
    model = replace(
        DEFAULT_DROPOUT_MODEL, recalibrated_on=ClinicOutcomes(episodes=240, dropouts=96)
    )
    (published,) = detect_dropout_risk(
        features_client, change=CONFIG.change, alliance=CONFIG.alliance
    )
    assert "(the average is about 20%)" in published.explanation
    assert "clinic_dropout_rate" not in published.evidence
    (local,) = detect_dropout_risk(
        features_client, change=CONFIG.change, alliance=CONFIG.alliance, model=model
    )
    assert "in this clinic about 40% of clients end therapy early" in local.explanation
    assert "recalibrated on 240 of its ended episodes" in local.explanation
    assert local.evidence["clinic_dropout_rate"] == 0.4
    assert local.evidence["recalibrated_on_episodes"] == 240
    assert local.evidence["base_rate"] == 0.197
