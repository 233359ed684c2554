"""One rupture seen on two alliance measures is one rupture (``context._alliance_facts``):
it must not read as "repeated ruptures" and "persistent poor fit" and put "consider a
referral" beside a single drop."""

from __future__ import annotations

from rapport.guidance.library import choose, load_library
from rapport.monitoring.context import guidance_context
from rapport.monitoring.signals import config_for
from tests.monitoring._helpers import scores, series

CONFIG = config_for(["session-checkin", "wai-sr"])


def context(*observations):
    return guidance_context(
        series(*observations, attended=range(1, 9)),
        CONFIG,
        phase="maintaining",
        mandated=False,
        trainee=False,
        has_goals=True,
        active_kinds=["alliance_rupture"],
    )


def test_one_drop_on_the_check_in_and_the_wai_sr_is_one_rupture():
    found = context(
        scores("session-checkin", [38, 38, 38, 31, 37, 38]),
        scores("wai-sr", [4.5, 4.5, 4.5, 3.8]),
    )
    assert "repeated_rupture" not in found and "poor_fit" not in found
    shown = choose(load_library(), kind="alliance_rupture", context=found)
    assert "consider-referral" not in {s.slug for s in shown}


def test_the_wai_sr_falling_a_session_later_in_the_same_rupture_is_the_same_rupture():
    found = context(
        scores("session-checkin", [38, 38, 38, 31, 33, 38]),
        scores("wai-sr", [4.5, 4.5, 4.5, 4.5, 3.8]),
    )
    assert "repeated_rupture" not in found


def test_two_ruptures_on_one_measure_or_on_two_at_different_times_are_repeated():
    again = [38, 38, 38, 31, 38, 38, 31]
    assert {"repeated_rupture", "poor_fit"} <= context(scores("session-checkin", again))
    found = context(
        scores("session-checkin", [38, 38, 38, 31, 38, 38, 38, 38]),
        scores("wai-sr", [4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 3.8]),
    )
    assert {"repeated_rupture", "poor_fit"} <= found


def test_a_low_run_on_a_measure_the_srs_has_replaced_is_no_persistent_poor_fit():
    low_checkins = scores("session-checkin", [30, 30, 30])
    config = config_for(["session-checkin", "srs"])

    def found(*observations):
        return guidance_context(
            series(*observations, attended=range(1, 6)),
            config,
            phase="maintaining",
            mandated=False,
            trainee=False,
            has_goals=True,
            active_kinds=[],
        )

    assert "poor_fit" in found(low_checkins)
    assert "poor_fit" not in found(low_checkins, scores("srs", [38], first=4))
