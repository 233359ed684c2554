from __future__ import annotations

import pytest

from rapport.monitoring.signals import (
    AllianceCriteria,
    CitedValue,
    CriteriaError,
    Observation,
    detect_alliance_low,
    detect_pushed,
    detect_ruptures,
)
from rapport.monitoring.signals.adapter import criteria_for
from tests.monitoring._helpers import CHECKIN, kinds, scores, series


def _ruptures(values):
    return detect_ruptures(series(scores("checkin", values)), CHECKIN)


def test_a_total_of_exactly_36_is_not_low():
    assert detect_alliance_low(series(scores("checkin", [38, 36])), CHECKIN) == ()


def test_a_total_of_35_is_low():
    found = detect_alliance_low(series(scores("checkin", [38, 35])), CHECKIN)
    assert kinds(found) == [("alliance_low", 2)]
    assert found[0].evidence["threshold"] == 36


def test_a_low_first_rating_is_reported():
    assert kinds(detect_alliance_low(series(scores("checkin", [30])), CHECKIN)) == [
        ("alliance_low", 1)
    ]


def test_staying_low_is_reported_once():
    found = detect_alliance_low(series(scores("checkin", [34, 33, 35, 34])), CHECKIN)
    assert kinds(found) == [("alliance_low", 1)]


def test_an_instrument_without_a_threshold_has_no_low_signal():
    criteria = AllianceCriteria(
        "wai", rupture_drop=CitedValue(0.4, "test"), repair_tolerance=CitedValue(0.1, "test")
    )
    assert detect_alliance_low(series(scores("wai", [1.0])), criteria) == ()


def test_a_one_point_wobble_is_not_a_rupture():
    assert _ruptures([39, 38, 39, 38, 37, 38]) == ()


def test_a_drop_of_exactly_the_threshold_is_a_rupture():
    found = _ruptures([38, 38, 38, 34])
    assert kinds(found) == [("alliance_rupture", 4)]
    assert found[0].evidence["drop"] == 4
    assert found[0].evidence["recent_level"] == 38


def test_a_drop_of_exactly_the_threshold_is_explained_as_meeting_it_not_exceeding_it():
    text = _ruptures([38, 38, 38, 34])[0].explanation
    assert (
        "fell to 34 at session 4 from a recent level of 38, a drop of 4 points; a drop of 4 "
        "or more counts as a rupture."
    ) in text
    assert "more than" not in text


@pytest.mark.parametrize("instrument", ["session-checkin", "srs"])
def test_a_rupture_sources_rapports_default_drop_not_a_measurement_error(instrument):
    # Neither the SRS nor the check-in publishes a reliable change: the 4 points are
    # Rapport's default of a tenth of the range (adapter), which is no measurement error.
    # The explanation says the rule plainly; the source says where the 4 points come from.
    criteria = criteria_for(instrument)
    (found,) = detect_ruptures(series(scores(instrument, [38, 38, 38, 34])), criteria)
    assert "a drop of 4 or more counts as a rupture" in found.explanation
    assert "Rapport default" in found.source
    assert "a tenth of the scale range" in found.source
    assert "measurement error" not in found.explanation
    assert "Rapport default" not in found.explanation


def test_a_drop_just_short_of_the_threshold_is_not_a_rupture():
    assert _ruptures([38, 38, 38, 34.5]) == ()


def test_the_recent_level_is_the_mean_of_the_last_three_ratings():
    # Mean of 30, 39, 39 is 36; 32 is exactly 4 below it. The older 20 is ignored.
    found = _ruptures([20, 30, 39, 39, 32])
    assert kinds(found) == [("alliance_rupture", 5)]
    assert found[0].evidence["recent_sessions"] == [2, 3, 4]


def test_the_first_rating_cannot_be_a_rupture():
    assert _ruptures([10]) == ()


def test_a_repair_within_three_sessions_is_reported():
    found = _ruptures([38, 38, 38, 30, 33, 37])
    assert kinds(found) == [("alliance_rupture", 4), ("alliance_repaired", 6)]
    assert found[1].evidence["sessions_after_rupture"] == 2


def test_a_repair_on_the_third_session_after_counts():
    found = _ruptures([38, 38, 38, 30, 31, 32, 37])
    assert kinds(found) == [("alliance_rupture", 4), ("alliance_repaired", 7)]


def test_a_return_after_the_window_is_not_a_repair():
    found = _ruptures([38, 38, 38, 30, 31, 32, 32, 38])
    assert kinds(found) == [("alliance_rupture", 4)]


def test_coming_back_to_within_one_point_of_the_old_level_is_a_repair():
    assert kinds(_ruptures([38, 38, 38, 30, 37])) == [
        ("alliance_rupture", 4),
        ("alliance_repaired", 5),
    ]
    assert kinds(_ruptures([38, 38, 38, 30, 36.5])) == [("alliance_rupture", 4)]


def test_the_window_counts_sessions_not_ratings():
    ratings = scores("checkin", [38, 38, 38, 30]) + [Observation("checkin", 8, 38.0)]
    found = detect_ruptures(series(ratings), CHECKIN)
    assert kinds(found) == [("alliance_rupture", 4)]


def test_a_continuing_fall_inside_the_window_is_one_rupture():
    assert kinds(_ruptures([38, 38, 38, 33, 28, 24])) == [("alliance_rupture", 4)]


def test_a_new_drop_after_the_window_is_a_new_rupture():
    found = _ruptures([38, 38, 38, 30, 31, 32, 33, 38, 38, 38, 30])
    assert kinds(found) == [("alliance_rupture", 4), ("alliance_rupture", 11)]


def test_a_rupture_threshold_inside_the_noise_is_refused():
    with pytest.raises(CriteriaError, match="measurement error"):
        AllianceCriteria("checkin", rupture_drop=CitedValue(1, "test"))


def test_feeling_pushed_a_little_is_low_and_yes_is_medium():
    observations = [
        Observation("checkin", 1, 38, pushed=0),
        Observation("checkin", 2, 38, pushed=1),
        Observation("checkin", 3, 38, pushed=2),
    ]
    found = detect_pushed(series(observations))
    assert [(s.session, s.severity) for s in found] == [(2, "low"), (3, "medium")]
    assert found[1].evidence["answer"] == "yes"
