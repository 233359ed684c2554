from __future__ import annotations

import datetime as dt
from dataclasses import replace

from rapport.monitoring.signals import (
    AttendanceRecord,
    ClientSeries,
    ExpectedCheckin,
    FeedbackCriteria,
    Observation,
    detect_feedback_missing,
)
from tests.monitoring._helpers import scores, series, session_date

CRITERIA = FeedbackCriteria(checkin_instrument="checkin")


def test_two_attended_sessions_without_a_checkin_raise_a_signal():
    client = series(scores("checkin", [38, 38]), attended=range(1, 5), today=session_date(6))
    found = detect_feedback_missing(client, CRITERIA)
    assert [s.kind for s in found] == ["feedback_missing"]
    assert found[0].evidence["missing_sessions"] == [3, 4]
    assert found[0].severity == "low"


def test_one_missing_checkin_is_not_a_signal():
    client = series(scores("checkin", [38, 38, 38]), attended=range(1, 5), today=session_date(5))
    assert detect_feedback_missing(client, CRITERIA) == ()


def test_a_checkin_for_a_session_held_today_is_not_yet_missing():
    client = series(scores("checkin", [38, 38, 38]), attended=range(1, 5), today=session_date(4))
    assert detect_feedback_missing(client, CRITERIA) == ()


def _fortnightly(today: dt.date) -> ClientSeries:
    # Check-ins answered for sessions 1-2; the expected ones for later sessions list other
    # instruments, so only the days-without rule can fire.
    first = dt.date(2025, 1, 1)
    return ClientSeries(
        client="c1",
        today=today,
        observations=(Observation("checkin", 1, 38, date=first),),
        attendance=(
            AttendanceRecord(1, "attended", first),
            AttendanceRecord(2, "attended", first + dt.timedelta(days=20)),
        ),
        expected_checkins=(
            ExpectedCheckin(1, "checkin", first),
            ExpectedCheckin(2, "checkin", first + dt.timedelta(days=20)),
        ),
    )


def test_27_days_without_a_checkin_is_not_yet_a_signal():
    assert detect_feedback_missing(_fortnightly(dt.date(2025, 1, 28)), CRITERIA) == ()


def test_28_days_without_a_checkin_while_sessions_continue_is_a_signal():
    found = detect_feedback_missing(_fortnightly(dt.date(2025, 1, 29)), CRITERIA)
    assert found[0].evidence["days_without_checkin"] == 28
    assert "sessions continue" in found[0].evidence["rule"]


def test_a_session_four_weeks_on_is_not_silence_before_the_client_could_answer():
    # Sessions 28 days apart, every check-in received; today is a session day.
    first = dt.date(2026, 1, 5)
    days = [first + dt.timedelta(days=28 * i) for i in range(4)]
    client = ClientSeries(
        client="c1",
        today=days[-1],
        observations=tuple(
            Observation("checkin", n, 38, date=d) for n, d in enumerate(days[:3], 1)
        ),
        attendance=tuple(AttendanceRecord(n, "attended", d) for n, d in enumerate(days, 1)),
    )
    assert detect_feedback_missing(client, CRITERIA) == ()
    # Had nothing come since session 2, the stretch holds a session whose check-in is due.
    silent = replace(client, observations=client.observations[:2], today=days[-1])
    assert detect_feedback_missing(silent, CRITERIA)[0].evidence["days_without_checkin"] == 56


def test_no_signal_when_sessions_have_stopped_too():
    first = dt.date(2025, 1, 1)
    client = ClientSeries(
        client="c1",
        today=dt.date(2025, 3, 1),
        observations=(Observation("checkin", 1, 38, date=first),),
        attendance=(AttendanceRecord(1, "attended", first),),
    )
    assert detect_feedback_missing(client, CRITERIA) == ()


def test_the_rule_uses_the_series_clock_not_the_wall_clock():
    early = _fortnightly(dt.date(2025, 1, 10))
    late = _fortnightly(dt.date(2025, 2, 20))
    assert detect_feedback_missing(early, CRITERIA) == ()
    assert len(detect_feedback_missing(late, CRITERIA)) == 1


def test_without_an_expected_instrument_nothing_is_missing():
    client = series(attended=range(1, 5), today=session_date(8))
    assert detect_feedback_missing(client, FeedbackCriteria()) == ()
