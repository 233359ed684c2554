"""A clinic that changes its after-session check-in (the session check-in to the SRS, once
it has loaded the licensed wording) keeps hearing from its clients: answers on the old
measure are check-ins too (``FeedbackCriteria.answered_by``), so no client who answered
every week is told "No check-in has come yet ... for 50 days"."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rapport.monitoring.current import current_signals
from rapport.monitoring.series import detector_config
from rapport.monitoring.signals import (
    CitedValue,
    DetectorConfig,
    FeedbackCriteria,
    detect_all,
    detect_feedback_missing,
)
from rapport.monitoring.signals.criteria import AllianceCriteria
from tests.monitoring._helpers import CHECKIN, scores, series, session_date

SRS = AllianceCriteria(
    instrument="srs",
    rupture_drop=CitedValue(4, "test figure"),
    low_threshold=CitedValue(36, "test figure"),
)
#: The episode now asks the SRS after each session; it used to ask the check-in.
NOW_SRS = DetectorConfig.from_criteria(
    [CHECKIN, SRS], feedback=FeedbackCriteria(checkin_instrument="srs")
)
DAY_AFTER_8 = session_date(8) + dt.timedelta(days=1)


def weekly_checkins_then(*srs_sessions: int):
    """Check-ins answered after sessions 1-7, the SRS after the given sessions, eight held."""
    return series(
        scores("checkin", [38] * 7),
        [o for o in scores("srs", [38] * 8) if o.session in srs_sessions],
        attended=range(1, 9),
        today=DAY_AFTER_8,
    )


def test_answers_on_the_old_check_in_are_not_silence_after_the_switch():
    client = weekly_checkins_then()
    assert detect_feedback_missing(client, NOW_SRS.feedback) == ()
    assert [s.kind for s in detect_all(client, NOW_SRS)] == []
    assert "feedback_missing" not in current_signals(client, NOW_SRS)


def test_the_episode_configuration_counts_the_old_check_in():
    # As the alert layer builds it: the instruments answered, and the check-in the episode
    # now asks after each session.
    client = series(
        [replace(o, instrument="session-checkin") for o in scores("x", [38] * 7)],
        attended=range(1, 9),
        today=DAY_AFTER_8,
    )
    config = detector_config(client.instruments, checkin="srs")
    assert config.feedback.answered_by("srs") == {"srs", "session-checkin"}
    assert detect_feedback_missing(client, config.feedback) == ()


def test_a_client_who_stops_answering_after_the_switch_is_still_noticed():
    client = series(scores("checkin", [38] * 5), attended=range(1, 9), today=DAY_AFTER_8)
    (signal,) = detect_feedback_missing(client, NOW_SRS.feedback)
    assert signal.explanation.startswith(
        "Check-ins have stopped coming: the last 2 expected check-ins are missing"
    )
    assert signal.evidence["missing_sessions"] == [7, 8]
    # The silence began after the check-in about session 5, whichever measure it was on.
    assert current_signals(client, NOW_SRS)["feedback_missing"].key == "feedback_missing:srs:5"


def test_a_caller_who_names_the_check_in_alone_counts_only_it():
    only = FeedbackCriteria(checkin_instrument="srs", other_checkins=())
    (signal,) = detect_feedback_missing(weekly_checkins_then(), only)
    assert signal.explanation.startswith("No check-in has come yet")
