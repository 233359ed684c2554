"""A "pushed or overridden" answer is shown until the therapist has seen it, even when a
later check-in says "no" (``current._pushed``): Gus's "yes" of 19 Oct, followed by a "no"
the next week, closed before anyone read it."""

from __future__ import annotations

from rapport.monitoring.current import PUSHED_SEEN, current_signals
from rapport.monitoring.signals import Observation
from tests.monitoring._helpers import CONFIG, series, session_date


def checkin(session: int, pushed: int, score: float = 38):
    return Observation("checkin", session, score, date=session_date(session), pushed=pushed)


def gus(*answers: int):
    return series(
        [checkin(i + 1, p) for i, p in enumerate(answers)],
        attended=tuple(range(1, len(answers) + 1)),
    )


def test_a_yes_followed_by_a_no_stays_with_the_later_answer_said():
    current = current_signals(gus(0, 2, 0), CONFIG)
    pushed = current["pushed_or_overridden"]
    assert pushed.signal.session == 2 and pushed.onset_session == 2
    assert pushed.signal.severity == "medium"
    assert pushed.key == "pushed_or_overridden:checkin:2"  # the key it had while latest
    assert pushed.signal.evidence["later_session"] == 3
    assert pushed.signal.evidence["later_answer"] == "no"
    assert pushed.signal.explanation.startswith(
        "At session 2 the client answered 'yes' to feeling pushed or overridden."
    )
    assert "The check-in about session 3 said 'no'; this answer stays until you" in (
        pushed.signal.explanation
    )


def test_the_latest_pushed_answer_is_the_one_held():
    current = current_signals(gus(1, 2, 0, 1, 0), CONFIG)
    pushed = current["pushed_or_overridden"]
    assert pushed.signal.session == 4 and pushed.signal.severity == "low"
    assert pushed.signal.evidence["later_session"] == 5


def test_seen_it_clears_once_a_later_check_in_says_no():
    key = "pushed_or_overridden:checkin:2"
    seen = {("pushed_or_overridden", key + PUSHED_SEEN)}
    assert "pushed_or_overridden" not in current_signals(gus(0, 2, 0), CONFIG, seen)
    # Still the latest answer: shown (acknowledged) as before, seen or not.
    assert current_signals(gus(0, 2), CONFIG, seen)["pushed_or_overridden"].key == key
    # Seeing an earlier answer does not hide a later one.
    assert (
        current_signals(gus(2, 0, 1, 0), CONFIG, seen)["pushed_or_overridden"].signal.session == 3
    )


def test_only_no_answers_raise_nothing_and_the_latest_yes_needs_no_later_answer():
    assert "pushed_or_overridden" not in current_signals(gus(0, 0, 0), CONFIG)
    latest = current_signals(gus(0, 0, 2), CONFIG)["pushed_or_overridden"]
    assert "later_answer" not in latest.signal.evidence
