"""``alliance_repaired`` is current good news only while the repair holds: a rating that
falls back below the pre-rupture level after a repair must not leave "Alliance repaired"
beside the low alliance it now shows (``current._alliance``)."""

from __future__ import annotations

from rapport.monitoring.current import current_signals
from tests.monitoring._helpers import CONFIG, scores, series


def test_a_repair_the_rating_keeps_is_good_news():
    current = current_signals(series(scores("checkin", [38, 38, 38, 33, 38, 38])), CONFIG)
    assert set(current) == {"alliance_repaired"}
    assert current["alliance_repaired"].signal.session == 5


def test_a_rating_back_at_the_ruptured_level_is_no_repair_to_show():
    # 38 38 38, a rupture to 33, back to 38, then 33 again: the recent level (36.3) still
    # counts the ruptured 33, so no new rupture opens, but the repair did not hold.
    current = current_signals(series(scores("checkin", [38, 38, 38, 33, 38, 33])), CONFIG)
    assert "alliance_repaired" not in current
    assert current["alliance_low"].signal.session == 6


def test_a_slow_slide_after_a_repair_ends_the_good_news_once_below_the_tolerance():
    ratings = [38, 38, 38, 33, 38, 37]
    assert "alliance_repaired" in current_signals(series(scores("checkin", ratings)), CONFIG)
    current = current_signals(series(scores("checkin", [*ratings, 36.5])), CONFIG)
    assert "alliance_repaired" not in current
