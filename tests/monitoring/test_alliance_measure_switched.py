"""A clinic that moves from the session check-in to the SRS (once it has loaded the
licensed wording) never asks the check-in again. The check-in's last rating must not stay
"the latest" for the rest of the episode: its low alliance gives way to the next rating on
a measure with a threshold, and its rupture to three sessions rated on another alliance
measure (``signals.superseded``), in the alerts and in the dropout estimate."""

from __future__ import annotations

from rapport.monitoring.current import current_signals
from rapport.monitoring.signals import (
    CitedValue,
    DetectorConfig,
    FeedbackCriteria,
    dropout_features,
    superseded,
)
from rapport.monitoring.signals.criteria import AllianceCriteria
from tests.monitoring._helpers import CHECKIN, scores, series

SRS = AllianceCriteria(
    instrument="srs",
    rupture_drop=CitedValue(4, "test figure"),
    low_threshold=CitedValue(36, "test figure"),
)
WAI = AllianceCriteria(
    instrument="wai",
    rupture_drop=CitedValue(0.4, "test figure"),
    repair_tolerance=CitedValue(0.1, "test figure"),
)
CONFIG = DetectorConfig.from_criteria(
    [CHECKIN, SRS, WAI], feedback=FeedbackCriteria(checkin_instrument="srs")
)
ALLIANCE = {"checkin": CHECKIN, "srs": SRS, "wai": WAI}


def switched(*srs: float):
    """A rupture to 30 on the check-in at session 4, then the SRS from session 5."""
    return series(
        scores("checkin", [38, 38, 38, 30]),
        scores("srs", list(srs), first=5),
        attended=range(1, 5 + len(srs)),
    )


def test_before_the_switch_the_check_in_rupture_and_low_rating_are_current():
    current = current_signals(switched(), CONFIG)
    assert current["alliance_rupture"].key == "alliance_rupture:checkin:4"
    assert current["alliance_low"].key == "alliance_low:checkin:4"
    assert dropout_features(switched(), change={}, alliance=ALLIANCE)["falling_alliance"] == 1


def test_the_first_srs_rating_says_whether_the_alliance_is_low_now():
    current = current_signals(switched(38), CONFIG)
    assert "alliance_low" not in current
    assert current["alliance_rupture"].key == "alliance_rupture:checkin:4"  # not yet followed
    low = current_signals(switched(30), CONFIG)
    assert low["alliance_low"].key == "alliance_low:srs:5"


def test_three_sessions_on_the_srs_and_the_check_in_rupture_has_given_way():
    assert "alliance_rupture" in current_signals(switched(38, 38), CONFIG)
    client = switched(38, 38, 38)
    assert superseded(client, "checkin", ALLIANCE, 3)
    assert current_signals(client, CONFIG) == {}
    assert dropout_features(client, change={}, alliance=ALLIANCE)["falling_alliance"] == 0


def test_a_measure_given_every_few_sessions_gives_way_to_the_check_in_until_given_again():
    def client(wai, checkins):
        return series(
            scores("wai", wai, first=1),
            scores("checkin", checkins),
            attended=range(1, len(checkins) + 1),
        )

    wai = [4.5, 4.5, 4.5, 3.8]
    assert "alliance_rupture" in current_signals(client(wai, [38] * 6), CONFIG)
    assert "alliance_rupture" not in current_signals(client(wai, [38] * 7), CONFIG)
    assert not superseded(client(wai, [38] * 7), "checkin", ALLIANCE, 3)
