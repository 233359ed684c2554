"""The dropout estimate's alliance factors read the ratings in session order, a late answer
at the session it is about (docs/monitoring.md, Dropout risk): they describe the course of
the relationship, and a late answer's news reaches the therapist as its own alert."""

from __future__ import annotations

import datetime as dt

from rapport.monitoring.current import late_answers
from rapport.monitoring.signals import Observation
from rapport.monitoring.signals.dropout import dropout_features
from tests.monitoring._helpers import CONFIG, series, session_date


def checkins(*answers: tuple[int, float, int]) -> list[Observation]:
    """(session, total, days after session 3 it was answered; negative: on its own day)."""
    return [
        Observation(
            "checkin",
            session,
            float(total),
            date=session_date(session) if after < 0 else session_date(3) + dt.timedelta(after),
        )
        for session, total, after in answers
    ]


def features(observations: list[Observation]) -> dict[str, float]:
    return dropout_features(series(observations), change=CONFIG.change, alliance=CONFIG.alliance)


def test_a_late_low_answer_followed_by_a_recovered_session_is_not_a_falling_alliance():
    # 36, then 8 about session 2 answered after session 3's 36 had come.
    observations = checkins((1, 36, -1), (2, 8, 7), (3, 36, -1))
    assert [late.session for late, _ in late_answers(series(observations))] == [2]
    found = features(observations)
    assert found["falling_alliance"] == 0.0 and found["weak_alliance"] == 0.0


def test_a_late_high_answer_does_not_hide_a_fall_at_the_latest_session():
    # Session 3's 8 came first; the 36 about session 2 came a week later.
    observations = checkins((1, 36, -1), (2, 36, 7), (3, 8, -1))
    assert [late.session for late, _ in late_answers(series(observations))] == [2]
    found = features(observations)
    assert found["falling_alliance"] == 1.0 and found["weak_alliance"] == 1.0
