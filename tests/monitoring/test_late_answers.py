"""Late alliance answers in the pure layer (``current.late_answers``, ``current_signals``):
an answer about a session that came after the answer about a later session is judged on
its own until the therapist has seen it; answers on time are judged as before."""

from __future__ import annotations

import datetime as dt

from rapport.monitoring.current import current_signals, late_answers
from rapport.monitoring.signals import Observation
from tests.monitoring._helpers import CONFIG, series, session_date


def checkin(session: int, score: float, *, on: dt.date | None = None, pushed: int = 0):
    answered = on if on is not None else session_date(session)
    return Observation("checkin", session, score, date=answered, pushed=pushed)


LATE_DAY = session_date(3) + dt.timedelta(days=7)


def ada(second: Observation):
    return series([checkin(1, 36), second, checkin(3, 36)], attended=(1, 2, 3))


def test_on_time_the_same_ratings_read_as_a_repaired_rupture_as_before():
    # The "yes" stays shown until seen (``test_pushed_until_seen``); the ratings as before.
    current = current_signals(ada(checkin(2, 8, pushed=2)), CONFIG)
    assert set(current) == {"alliance_repaired", "pushed_or_overridden"}
    assert not current["pushed_or_overridden"].late
    assert late_answers(ada(checkin(2, 8, pushed=2))) == []


def test_late_they_are_a_low_alliance_and_a_pushed_alert_naming_the_session_and_the_day():
    late = checkin(2, 8, on=LATE_DAY, pushed=2)
    assert late_answers(ada(late)) == [(late, checkin(3, 36))]
    current = current_signals(ada(late), CONFIG)
    assert set(current) == {"alliance_low", "pushed_or_overridden"}
    held = session_date(2)
    intro = (
        f"The check-in about session 2 ({held.day} {held:%b}) was answered on "
        f"{LATE_DAY.day} {LATE_DAY:%b}, after the one about session 3 had been counted"
    )
    for item in current.values():
        assert item.late and item.signal.session == 2 and item.onset_session == 2
        assert item.signal.explanation.startswith(intro)
        assert item.key.endswith(f":late:2:{LATE_DAY.isoformat()}")
        assert item.signal.evidence["answered_on"] == LATE_DAY.isoformat()
        assert item.signal.evidence["session_date"] == held.isoformat()
    assert current["pushed_or_overridden"].signal.severity == "medium"
    assert current["pushed_or_overridden"].signal.source.startswith("Rapport check-in")


def test_seen_late_answers_are_passed_over_and_the_repair_shows_again():
    current = current_signals(ada(checkin(2, 8, on=LATE_DAY, pushed=2)), CONFIG)
    seen = {(kind, item.key) for kind, item in current.items()}
    again = current_signals(ada(checkin(2, 8, on=LATE_DAY, pushed=2)), CONFIG, seen)
    assert set(again) == {"alliance_repaired"}
    # One seen, the other still holds the repair back.
    pushed = {("pushed_or_overridden", current["pushed_or_overridden"].key)}
    partly = current_signals(ada(checkin(2, 8, on=LATE_DAY, pushed=2)), CONFIG, pushed)
    assert set(partly) == {"alliance_low"}


def test_a_late_high_answer_without_pushed_changes_nothing():
    on_time = current_signals(ada(checkin(2, 37)), CONFIG)
    late = current_signals(ada(checkin(2, 37, on=LATE_DAY)), CONFIG)
    assert {k: v.key for k, v in late.items()} == {k: v.key for k, v in on_time.items()} == {}


def test_the_same_day_as_the_later_answer_counts_as_late_and_no_date_never_does():
    same_day = checkin(2, 8, on=session_date(3))
    assert late_answers(ada(same_day)) == [(same_day, checkin(3, 36))]
    undated = series(
        [
            Observation("checkin", 1, 36, pushed=0),
            Observation("checkin", 2, 8, pushed=2),
            Observation("checkin", 3, 36, pushed=0),
        ]
    )
    assert late_answers(undated) == []
    assert set(current_signals(undated, CONFIG)) == {"alliance_repaired", "pushed_or_overridden"}


def test_an_unseen_late_answer_comes_before_the_latest_answer_of_its_kind():
    latest_pushed = checkin(3, 36, pushed=2)
    data = series(
        [checkin(1, 36), checkin(2, 37, on=LATE_DAY, pushed=1), latest_pushed], attended=(1, 2, 3)
    )
    current = current_signals(data, CONFIG)
    assert current["pushed_or_overridden"].late  # "a little", late, before the latest "yes"
    seen = {("pushed_or_overridden", current["pushed_or_overridden"].key)}
    after = current_signals(data, CONFIG, seen)["pushed_or_overridden"]
    assert not after.late and after.signal.session == 3
