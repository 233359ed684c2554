"""Missing check-ins, as the exploratory test met them (pure core, fixed clock).

A new episode whose past sessions were just recorded as attended, with today's session
among them: before any answer the alert must not speak of a "session 0" or of check-ins
that "stopped"; once the client answered for today's session, nothing is missing.
"""

from __future__ import annotations

from rapport.monitoring.signals import (
    ExpectedCheckin,
    FeedbackCriteria,
    Observation,
    detect_feedback_missing,
)
from rapport.monitoring.signals.model import ClientSeries
from tests.monitoring._helpers import scores, series, session_date

CRITERIA = FeedbackCriteria(checkin_instrument="checkin")
TODAY = session_date(3)  # the fixed clock: session 3 is held today


def test_a_checkin_answered_for_todays_session_counts_as_received():
    client = series(scores("checkin", [38], first=3), attended=range(1, 4), today=TODAY)
    assert detect_feedback_missing(client, CRITERIA) == ()


def test_a_checkin_for_a_later_session_means_they_have_not_stopped():
    # The client answered for session 4, which nobody has marked attended yet (so no
    # check-in is expected for it): sessions 2 and 3 are not "the last ones missing".
    client = series(scores("checkin", [38], first=4), attended=range(1, 4), today=session_date(4))
    assert detect_feedback_missing(client, CRITERIA) == ()


def test_answers_for_earlier_sessions_in_any_order_count_for_their_session():
    # Session 3 answered first (its link), session 2 afterwards (the tablet), both dated
    # the day they came: each counts for the session it is about.
    late = session_date(4)
    observations = (
        Observation("checkin", 3, 12, date=late),
        Observation("checkin", 2, 32, date=late),
    )
    client = ClientSeries(
        client="c1",
        today=late,
        observations=observations,
        attendance=series(attended=range(1, 4)).attendance,
    )
    assert detect_feedback_missing(client, CRITERIA) == ()


def test_before_any_answer_the_wording_says_none_came_and_names_no_session_0():
    found = detect_feedback_missing(series(attended=range(1, 4), today=TODAY), CRITERIA)
    assert [s.kind for s in found] == ["feedback_missing"]
    signal = found[0]
    assert signal.evidence["missing_sessions"] == [1, 2]
    assert signal.explanation.startswith("No check-in has come yet:")
    assert "stopped" not in signal.explanation
    assert "session 0" not in signal.explanation + signal.evidence["rule"]


def test_after_some_answers_the_wording_still_says_they_stopped():
    client = series(scores("checkin", [38, 38]), attended=range(1, 5), today=session_date(5))
    found = detect_feedback_missing(client, CRITERIA)
    assert found[0].evidence["missing_sessions"] == [3, 4]
    assert found[0].explanation.startswith("Check-ins have stopped coming:")


def test_the_series_own_expectations_are_matched_the_same_way():
    client = ClientSeries(
        client="c1",
        today=session_date(5),
        observations=(Observation("checkin", 4, 38, date=session_date(4)),),
        attendance=series(attended=range(1, 5)).attendance,
        expected_checkins=tuple(
            ExpectedCheckin(n, "checkin", session_date(n)) for n in (1, 2, 3, 5)
        ),
    )
    # Session 5's is not due yet; session 3's is missing, but one came for session 4.
    assert detect_feedback_missing(client, CRITERIA) == ()
