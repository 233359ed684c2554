"""What counts as worse than what the therapist saw (``monitoring.news``, pure): the rule
that wakes a snoozed alert and reopens an acknowledged one. Fixed dates throughout."""

from __future__ import annotations

import datetime as dt

from rapport.monitoring.news import news_since, reason, seen_now

SEEN_ON = dt.date(2026, 12, 6)
TODAY = dt.date(2026, 12, 9)


def seen(kind, key, severity, evidence, how="snoozed", previous=None):
    return seen_now(
        previous, kind=kind, key=key, severity=severity, evidence=evidence, how=how, on=SEEN_ON
    )


def pushed(session, answer, *, late=False):
    evidence = {
        "instrument": "session-checkin",
        "answer": answer,
        "value": 2 if answer == "yes" else 1,
    }
    if late:
        evidence |= {"late": True, "answered_on": "2026-12-08", "after_session": 3}
    return evidence


def test_a_late_yes_after_a_snoozed_a_little_is_a_new_answer():
    before = seen(
        "pushed_or_overridden", "pushed_or_overridden:checkin:3", "low", pushed(3, "a little")
    )
    news = news_since(
        before,
        kind="pushed_or_overridden",
        key="pushed_or_overridden:checkin:late:2:2026-12-08",
        severity="medium",
        evidence=pushed(2, "yes", late=True),
        session=2,
    )
    assert news is not None and news.answer
    assert reason(news, before, TODAY) == (
        "New answer since this was snoozed on 6 Dec: the client answered 'yes' to feeling "
        "pushed or overridden at session 2 (answered on 8 Dec, after the check-in about "
        "session 3)."
    )


def test_the_same_answer_seen_is_not_news_and_a_year_is_named_when_it_differs():
    before = seen("pushed_or_overridden", "k3", "low", pushed(3, "a little"), how="action")
    same = dict(kind="pushed_or_overridden", key="k3", evidence=pushed(3, "a little"), session=3)
    assert news_since(before, severity="low", **same) is None
    # The same session answered again, now "yes": worse.
    news = news_since(before, severity="medium", **same)
    assert news is not None
    assert reason(news, before, dt.date(2027, 1, 4)).startswith(
        "New answer since an action was logged on 6 Dec 2026: the client answered"
    )


def rupture(latest, session=4, latest_session=6):
    return {
        "instrument": "session-checkin",
        "score": 29,
        "drop": 9,
        "threshold": 4,
        "latest_score": latest,
        "latest_session": latest_session,
    }


def test_a_snoozed_rupture_wakes_only_when_the_rating_falls_again_by_a_rupture_drop():
    before = seen("alliance_rupture", "r4", "medium", rupture(30))
    ask = dict(kind="alliance_rupture", key="r4", severity="medium", session=4)
    assert news_since(before, evidence=rupture(27), **ask) is None  # 3 below: the same rupture
    assert news_since(before, evidence=rupture(34), **ask) is None  # better
    news = news_since(before, evidence=rupture(26, latest_session=7), **ask)
    assert news is not None
    assert news.text == "the relationship rating fell again, to 26 at session 7 (it was 30)"
    # Seen again at 26: the bar moves with what was seen.
    again = seen("alliance_rupture", "r4", "medium", rupture(26), previous=before)
    assert news_since(again, evidence=rupture(23), **ask) is None
    # A new rupture is news whatever the numbers.
    assert news_since(again, **{**ask, "key": "r9"}, evidence=rupture(35)) is not None


def deterioration(score, *, direction="higher_is_worse", instrument="phq9"):
    return {"instrument": instrument, "direction": direction, "score": score, "threshold": 6}


def test_a_deterioration_is_news_again_after_another_reliable_change_or_on_another_measure():
    before = seen("reliable_deterioration", "d:phq9:3", "high", deterioration(16))
    ask = dict(kind="reliable_deterioration", key="d:phq9:3", severity="high", session=6)
    assert news_since(before, evidence=deterioration(21), **ask) is None
    news = news_since(before, evidence=deterioration(22), **ask)
    assert news is not None and news.text == (
        "PHQ-9 is worse again by at least another reliable change: 22 at session 6 (it was 16)"
    )
    other = news_since(
        before, **{**ask, "key": "d:gad7:4"}, evidence=deterioration(15, instrument="gad7")
    )
    assert other is not None and other.text.startswith("GAD-7 is reliably worse than at intake")


def test_on_a_higher_is_better_scale_worse_is_lower():
    ors = deterioration(14, direction="higher_is_better", instrument="ors")
    ors["threshold"] = 5
    before = seen("reliable_deterioration", "d:ors:2", "high", ors)
    ask = dict(kind="reliable_deterioration", key="d:ors:2", severity="high", session=5)
    assert news_since(before, evidence={**ors, "score": 20}, **ask) is None
    assert news_since(before, evidence={**ors, "score": 10}, **ask) is None
    news = news_since(before, evidence={**ors, "score": 9}, **ask)
    assert news is not None and "9 at session 5 (it was 14)" in news.text


def dropout(probability, *names):
    factors = [{"name": n, "contribution": 0.4, "explanation": n.replace("_", " ")} for n in names]
    return {"probability": probability, "factors": factors}


def test_dropout_risk_wakes_on_a_step_up_or_a_new_reason_not_on_a_reason_gone():
    before = seen(
        "dropout_risk",
        "medium:mandated,weak_alliance",
        "medium",
        dropout(0.35, "weak_alliance", "mandated"),
        how="acknowledged",
    )
    ask = dict(kind="dropout_risk", session=5)
    # High became medium, or a reason went away: a new key, but not worse.
    assert (
        news_since(
            before,
            key="medium:weak_alliance",
            severity="medium",
            evidence=dropout(0.31, "weak_alliance"),
            **ask,
        )
        is None
    )
    up = news_since(
        before,
        key="high:mandated,weak_alliance",
        severity="high",
        evidence=dropout(0.52, "weak_alliance", "mandated"),
        **ask,
    )
    assert up is not None and not up.answer
    assert reason(up, before, TODAY) == (
        "New since this was acknowledged on 6 Dec: the estimated chance of ending therapy "
        "early rose to about 52% (high risk)."
    )
    new = news_since(
        before,
        key="medium:mandated,missed_appointments,weak_alliance",
        severity="medium",
        evidence=dropout(0.45, "weak_alliance", "missed_appointments", "mandated"),
        **ask,
    )
    assert new is not None
    assert new.text == "a new reason: missed appointments (estimated chance about 45%)"


def test_good_news_is_never_worse():
    before = seen("alliance_repaired", "a:1", "info", {"score": 38}, how="acknowledged")
    assert (
        news_since(
            before,
            kind="alliance_repaired",
            key="a:7",
            severity="info",
            evidence={"score": 39},
            session=7,
        )
        is None
    )


def test_seen_keeps_every_instance_the_worst_severity_and_every_reason():
    first = seen("pushed_or_overridden", "k3", "low", pushed(3, "a little"), how="acknowledged")
    both = seen("pushed_or_overridden", "late2", "medium", pushed(2, "yes"), previous=first)
    assert both["keys"] == ["k3", "late2"] and both["severity"] == "medium"
    assert both["how"] == "snoozed" and both["on"] == "2026-12-06"
    # An instance seen before is not news when it comes back, nor a lower severity.
    assert (
        news_since(
            both,
            kind="pushed_or_overridden",
            key="k3",
            severity="low",
            evidence=pushed(3, "a little"),
            session=3,
        )
        is None
    )
