"""What an alert says now that the therapist had not seen (pure, no Django).

When a therapist acknowledges, acts on or snoozes an alert, it keeps what they had in front
of them (``seen_now``: the instances, the worst severity, the worst score of a change,
dropout risk's reasons; ``Alert.seen``). Each recompute asks ``news_since`` whether the
signal now says something *worse* than that. If so, an acknowledged alert opens again, and
a snoozed one wakes before its date, with the news in words (``reason``: "New answer since
this was snoozed on 6 Dec: the client answered 'yes' to feeling pushed or overridden at
session 4."). A snooze defers the work on what was seen; it must not hide what was not
(a check-in about an earlier session answered late, low or saying "pushed", was the case
that showed it). What is not worse leaves the alert as the therapist left it: a risk that
went from high to medium, a reason that went away, an instance they had already seen
coming back after a late answer they have now seen too.

Worse, per kind (the rule is the same for an acknowledged and a snoozed alert):

* every kind: an instance not seen (a new key: another session's "pushed" answer, a late
  answer, a new rupture, another measure reliably worse or off track, check-ins stopping
  again), or a higher severity than any seen ("a little" answered again as "yes");
* ``reliable_deterioration``: on a seen instance, a score worse than the worst seen by at
  least the measure's reliable change (the same threshold that raised it, Jacobson &
  Truax 1991): worse again by more than measurement error;
* ``alliance_rupture``: on a seen rupture, the latest rating at least the rupture drop
  below the lowest seen: it fell again by as much as a rupture;
* ``dropout_risk``: only a step up to high or a reason not seen (its key holds severity and
  reasons, and a reason that went away, or high becoming medium, is not worse);
* good news (``POSITIVE_KINDS``) is never "worse": it keeps its own rule (a new instance
  of an acknowledged one is shown again; a snoozed one waits for its date).

Smaller moves (a rating one point lower, a deterioration a point larger, a probability a
little higher with the same reasons) are the alert the therapist already has: waking it on
each would teach them that snoozing does not work.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapport.monitoring.kinds import POSITIVE_KINDS
from rapport.monitoring.signals._util import spoken
from rapport.monitoring.signals.adapter import find_instrument
from rapport.monitoring.signals.errors import CriteriaError
from rapport.monitoring.signals.model import SEVERITIES

__all__ = ["HOW", "News", "news_since", "reason", "seen_now", "shown_version"]

#: What the therapist did when they saw the alert.
HOW = ("acknowledged", "action", "snoozed", "dismissed")

#: Kinds whose news is a client's answer ("New answer since …"); the others follow from
#: attendance and time as well (dropout risk, missing check-ins).
_NOT_ANSWERS = frozenset({"dropout_risk", "feedback_missing"})


@dataclass(frozen=True)
class News:
    text: str
    answer: bool


def _rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _worst(kind: str, evidence: Mapping[str, Any]) -> float | None:
    """How bad the state is, higher worse, for the kinds judged on their score."""
    if kind == "reliable_deterioration":
        score = _float(evidence.get("score"))
        if score is None:
            return None
        return -score if evidence.get("direction") == "higher_is_better" else score
    if kind == "alliance_rupture":
        score = _float(evidence.get("latest_score", evidence.get("score")))
        return None if score is None else -score
    return None


def _factors(evidence: Mapping[str, Any]) -> list[str]:
    return sorted(
        str(f.get("name")) for f in evidence.get("factors") or () if isinstance(f, Mapping)
    )


def seen_now(
    previous: Mapping[str, Any] | None,
    *,
    kind: str,
    key: str,
    severity: str,
    evidence: Mapping[str, Any],
    how: str,
    on: dt.date,
) -> dict[str, Any]:
    """What the therapist has seen of an alert once they acted on it now: what they had
    seen before on it, and what it shows now (JSON for ``Alert.seen``)."""
    before = dict(previous or {})
    keys = list(before.get("keys") or [])
    if key not in keys:
        keys.append(key)
    worst = dict(before.get("worst") or {})
    now = _worst(kind, evidence)
    if now is not None and (worst.get(key) is None or now > worst[key]):
        worst[key] = now
    factors = sorted(set(before.get("factors") or []) | set(_factors(evidence)))
    held = before.get("severity")
    return {
        "keys": keys,
        "severity": severity if _rank(severity) > _rank(held) else held,
        "worst": worst,
        "factors": factors,
        "how": how,
        "on": on.isoformat(),
    }


# What ``shown_version`` leaves out of an alert's evidence: what moves with the clock alone,
# not with new clinical information (an answer, an attendance mark, a clinic's settings).
# Refusing a therapist because a day passed between the page and the click ("no check-in
# for 29 days" where the page said 28) protects nothing: they decide on the same alert.
# Field by field, per kind (``signals``, ``current``):
#
# * ``feedback_missing``: ``today`` is the clock itself; ``days_without_checkin`` counts
#   days since the last check-in and grows by one every day, and whether the days rule
#   holds at all is that count against the threshold; ``rule`` is the sentence of the rules
#   that hold, with that count in it. Kept: ``missing_sessions`` (the card lists them:
#   they change when a session is marked, and the day after a session held today, when
#   that session's check-in falls due and it joins the list; a session the client did not
#   answer about is news to read before snoozing or dismissing, so that refusal stands),
#   ``thresholds`` (the clinic's settings) and the instance (its key: the session after
#   which silence began, 0 when none ever came; shown as "since session 2"). Left out as
#   well, though not the clock: the alert's ``session`` (``_SESSION_NOT_SHOWN``), the
#   latest session held, which no page shows for this kind; a session held today moves it
#   while nothing on the card changes (its check-in is not due yet), so refusing then sent
#   the therapist back to read the same card. Its explanation quotes ``rule``,
#   so it is left out too: the rest of it ("No check-in has come yet" or "Check-ins have
#   stopped coming") follows from the key.
# * ``pushed_or_overridden``, ``alliance_low`` (instrument, answer or score, threshold,
#   subscales) and their late-answer fields (``answered_on``, ``session_date``,
#   ``after_session``, ``after_answered_on``: the days answers came, fixed once they came):
#   all from answers.
# * ``alliance_rupture`` and ``alliance_repaired`` (scores, levels, sessions, drop,
#   ``latest_score``, ``ruptures_this_episode``): ratings and session numbers, none a day
#   count; a new rating is what the therapist must see.
# * ``reliable_deterioration``, ``reliable_improvement``, ``recovered`` (intake and latest
#   score, change, RC index, cut-offs) and ``not_on_track`` (``session_index`` counts
#   sessions since intake, not days; expected score, tolerance bound): answers and sessions.
# * ``dropout_risk`` (probability, factors, thresholds, base or clinic rate): from ratings,
#   attendance marks, the episode and the clinic's recalibration. The one factor the clock
#   can move is a birthday taking a client past 25 (``young_age``), which changes the
#   reasons and the estimate the therapist reads (and the key): kept.
_CLOCK_DRIVEN: Mapping[str, frozenset[str]] = {
    "feedback_missing": frozenset({"today", "days_without_checkin", "rule"}),
}

#: Kinds whose alert ``session`` no page shows (``shown_version`` leaves it out): for missing
#: check-ins and dropout risk it is the latest session held, judged as of today. What the
#: card says of it is kept: the sessions without a check-in (``missing_sessions``); the
#: estimate, its reasons and "since session N" (the instance's onset, ``services._sync``).
_SESSION_NOT_SHOWN = frozenset({"feedback_missing", "dropout_risk"})


def shown_version(
    *,
    kind: str,
    key: str,
    severity: str,
    session: int,
    onset_session: int,
    evidence: Mapping[str, Any],
    explanation: str,
) -> str:
    """A digest of what the alert says (its instance, severity, sessions, evidence and
    explanation), carried by the alert's forms as it was shown: the services refuse an
    action when it is no longer the alert's, since ``seen_now`` would record as seen what
    the therapist never saw. Not its status or ``woken_reason``: someone acting on it (a
    double submit, a colleague) changes those, not what it says. Nor what only the clock
    moves (``_CLOCK_DRIVEN``, with the explanation that quotes it): a day passing is not
    news the therapist has to read before acting. Nor a ``session`` no page shows
    (``_SESSION_NOT_SHOWN``): a refusal must point to something the page now says."""
    clock = _CLOCK_DRIVEN.get(kind, frozenset())
    said = json.dumps(
        [
            kind,
            key,
            severity,
            None if kind in _SESSION_NOT_SHOWN else session,
            onset_session,
            {name: value for name, value in evidence.items() if name not in clock},
            "" if clock else explanation,
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(said.encode()).hexdigest()[:32]


def _name(instrument: Any) -> str:
    try:
        return find_instrument(str(instrument)).short_title
    except CriteriaError:
        return str(instrument)


def _day(iso: Any) -> str | None:
    try:
        day = dt.date.fromisoformat(str(iso))
    except ValueError:
        return None
    return f"{day.day} {day:%b}"


def _late(evidence: Mapping[str, Any]) -> str:
    if not evidence.get("late"):
        return ""
    day = _day(evidence.get("answered_on"))
    after = evidence.get("after_session")
    return f" (answered {'on ' + day if day else 'late'}, after the check-in about session {after})"


def _describe(kind: str, evidence: Mapping[str, Any], session: int) -> str:
    """The instance in a few words, after "New answer since …: "."""
    score = _float(evidence.get("score"))
    said = spoken(score) if score is not None else "?"
    if kind == "pushed_or_overridden":
        return (
            f"the client answered '{evidence.get('answer')}' to feeling pushed or overridden "
            f"at session {session}{_late(evidence)}"
        )
    if kind == "alliance_low":
        threshold = _float(evidence.get("threshold"))
        below = f", below {spoken(threshold)}" if threshold is not None else ""
        return (
            f"the client rated the relationship {said} at session {session}{below}{_late(evidence)}"
        )
    if kind == "alliance_rupture":
        return f"the relationship rating fell to {said} at session {session}"
    if kind == "reliable_deterioration":
        return (
            f"{_name(evidence.get('instrument'))} is reliably worse than at intake: {said} at "
            f"session {session}"
        )
    if kind == "not_on_track":
        return f"{_name(evidence.get('instrument'))} is off track: {said} at session {session}"
    if kind == "feedback_missing":
        return f"check-ins have stopped again ({evidence.get('rule')})"
    return f"a new {kind.replace('_', ' ')} at session {session}"


def _dropout(seen: Mapping[str, Any], severity: str, evidence: Mapping[str, Any]) -> str | None:
    probability = _float(evidence.get("probability"))
    chance = f"about {probability:.0%}" if probability is not None else "higher"
    if _rank(severity) > _rank(seen.get("severity")):
        return f"the estimated chance of ending therapy early rose to {chance} ({severity} risk)"
    known = set(seen.get("factors") or [])
    new = [
        str(f.get("explanation") or f.get("name"))
        for f in evidence.get("factors") or ()
        if isinstance(f, Mapping) and f.get("name") not in known
    ]
    if new:
        label = "a new reason" if len(new) == 1 else "new reasons"
        return f"{label}: {'; '.join(new)} (estimated chance {chance})"
    return None


def news_since(
    seen: Mapping[str, Any],
    *,
    kind: str,
    key: str,
    severity: str,
    evidence: Mapping[str, Any],
    session: int,
) -> News | None:
    """What the signal now says that is worse than what was ``seen`` (see the module's
    rules), or None."""
    if kind in POSITIVE_KINDS:
        return None
    answer = kind not in _NOT_ANSWERS
    if kind == "dropout_risk":
        text = _dropout(seen, severity, evidence)
        return News(text, answer) if text else None
    if key not in (seen.get("keys") or []) or _rank(severity) > _rank(seen.get("severity")):
        return News(_describe(kind, evidence, session), answer)
    now = _worst(kind, evidence)
    before = _float((seen.get("worst") or {}).get(key))
    step = _float(evidence.get("threshold"))
    if now is None or before is None or step is None or now - before < step - 1e-9:
        return None
    if kind == "alliance_rupture":
        latest = evidence.get("latest_session", session)
        return News(
            f"the relationship rating fell again, to {spoken(-now)} at session {latest} "
            f"(it was {spoken(-before)})",
            answer,
        )
    shown = -now if evidence.get("direction") == "higher_is_better" else now
    was = -before if evidence.get("direction") == "higher_is_better" else before
    return News(
        f"{_name(evidence.get('instrument'))} is worse again by at least another reliable "
        f"change: {spoken(shown)} at session {session} (it was {spoken(was)})",
        answer,
    )


def reason(news: News, seen: Mapping[str, Any], today: dt.date) -> str:
    """The sentence the card opens with: "New answer since this was snoozed on 6 Dec: …"."""
    what = "New answer since" if news.answer else "New since"
    how = seen.get("how")
    try:
        day = dt.date.fromisoformat(str(seen.get("on")))
    except ValueError:
        day = None
    when = ""
    if day is not None:
        when = f" on {day.day} {day:%b}" + (f" {day.year}" if day.year != today.year else "")
    if how == "action":
        since = f"an action was logged{when}"
    elif how in HOW:
        since = f"this was {how}{when}"
    else:
        since = f"this was last seen{when}"
    return f"{what} {since}: {news.text}."
