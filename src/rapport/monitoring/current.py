"""Which signals hold *now*: the state the alert list follows (pure, no Django).

The detectors report the session at which each state starts (one deterioration raises
one signal, not ten). An alert, though, must know whether its state still holds today, so
that it resolves itself when the signal clears (the alliance recovered, check-ins came
back). This module asks the same detectors about the latest data only:

* change and trajectory: intake against the latest score of each outcome measure;
* alliance low: the latest rating (a later one on another measure with a threshold takes
  over); a measure the client has not rated for ``repair_window`` sessions while rating
  another alliance measure holds no alliance state (``signals.superseded``); rupture: the
  latest rupture episode, open while it is unrepaired and the rating is still below the
  pre-rupture level; repaired: the latest rupture episode was repaired and the latest
  rating still holds the repair (at least the pre-rupture level less the tolerance): good
  news until a new rupture comes or the rating falls back;
* pushed or overridden: the latest check-in's answer, and a "pushed" answer the therapist
  has not seen yet even if a later check-in said "no" (``PUSHED_SEEN``);
* dropout risk and missing check-ins: already judged as of ``series.today``.

A **late answer** is an alliance answer about a session that came after the answer about a
later session had been counted (``late_answers``). Ordered by session, it would sit behind
the later, perhaps higher, rating and never be the latest: a client's "I felt pushed" about
23 Nov, answered on 7 Dec after 30 Nov's 36, read as a repaired rupture. So a late answer
that is low (below the alliance threshold) or says pushed/overridden is a current signal of
its kind (``alliance_low``, ``pushed_or_overridden``) until the therapist has seen it, and
while one is unseen no "alliance repaired" good news is given for the ratings after it: the
rupture was never noticed, so it was never repaired. Seen means acknowledged (or an action
logged, or dismissed): the caller passes those instances in ``dismissed``, as it passes the
dismissed ones, and they are passed over. Answers on time behave as before.

A **late outcome score** (a PHQ-9 about session 3 answered after session 4's) is never the
latest either, so intake against the latest score never saw it: a reliable deterioration at
session 3 reached no one. A late score that is reliably worse than intake, or not on track
for its session, is a current signal of that kind (``_late_outcome``), shown until seen as a
late answer is, unless the score of the next session says the same (it raised that alert, or
raises it now: no news). Once seen, the alerts follow the latest score again.

A **"pushed" answer** ("a little" or "yes") is shown until the therapist has seen it, like
a late answer: a "yes" at 19 Oct followed by a "no" a week later closed before anyone read
it, while the rupture alert of the same session did not mention it. When the latest answer
says "no", the latest answer that said "pushed" (not a late one: ``late_answers`` has those)
stays a current signal until it is acknowledged, acted on or dismissed; its card says what
the later check-in answered. Seen ones are passed in ``dismissed`` as ``(kind, key +
PUSHED_SEEN)``, so a "pushed" answer still the latest stays current (and acknowledged) as
before, and only a seen one followed by "no" clears.

Each current signal carries a ``key`` naming the instance (kind, instrument, the session
at which the state began). A therapist who dismisses an alert dismisses that instance: the
same state does not raise it again, a new instance does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from rapport.monitoring.signals import (
    ClientSeries,
    DetectorConfig,
    Observation,
    Signal,
    detect_alliance_low,
    detect_dropout_risk,
    detect_feedback_missing,
    detect_not_on_track,
    detect_pushed,
    detect_reliable_change,
    detect_ruptures,
    rupture_episodes,
    series_as_of,
    superseded,
)
from rapport.monitoring.signals.criteria import EPS
from rapport.monitoring.signals.model import KINDS, PUSHED_ANSWERS, SEVERITIES

__all__ = [
    "KEY_LENGTH",
    "LATE_KEY",
    "PUSHED_SEEN",
    "CurrentSignal",
    "current_signals",
    "dropout_onset",
    "late_answers",
    "repair_held_back",
    "unseen_late",
]

#: Keys are stored in ``Alert.signal_key`` (200 characters) and compared as stored.
KEY_LENGTH = 200

#: Marks the key of a late answer's signal (``kind:instrument:late:session:answered-on``):
#: the alert layer treats an acknowledged instance with it as seen.
LATE_KEY = ":late:"

#: Appended to the key of a "pushed or overridden" instance in ``dismissed`` when the
#: therapist has seen it (acknowledged, acted on, dismissed): once a later check-in says
#: "no", it clears (``_pushed``). The alert's own key is unchanged.
PUSHED_SEEN = ":seen"


@dataclass(frozen=True)
class CurrentSignal:
    signal: Signal
    key: str
    onset_session: int
    instrument: str

    @property
    def kind(self) -> str:
        return self.signal.kind

    @property
    def late(self) -> bool:
        """About a late answer: shown until the therapist has seen it."""
        return LATE_KEY in self.key


def _only(series: ClientSeries, observations: Sequence[Observation]) -> ClientSeries:
    return ClientSeries(
        client=series.client,
        today=series.today,
        observations=tuple(observations),
        attributes=series.attributes,
    )


def _onset(history: Sequence[Signal], kind: str, instrument: str, at: int) -> int:
    """The session the current run of ``kind`` began: its latest onset up to ``at``."""
    sessions = [
        s.session
        for s in history
        if s.kind == kind and s.evidence.get("instrument") == instrument and s.session <= at
    ]
    return max(sessions, default=at)


def _make(signal: Signal, instrument: str, onset: int, key_part: str | int = "") -> CurrentSignal:
    part = key_part if key_part != "" else onset
    return CurrentSignal(
        signal=signal,
        key=f"{signal.kind}:{instrument}:{part}"[:KEY_LENGTH],
        onset_session=onset,
        instrument=instrument,
    )


def _outcome(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    found: list[CurrentSignal] = []
    for instrument, criteria in config.change.items():
        observations = series.of(instrument)
        if len(observations) < 2:
            continue
        pair = _only(series, (observations[0], observations[-1]))
        history = detect_reliable_change(series, criteria)
        now = detect_reliable_change(pair, criteria)
        kinds = {s.kind for s in now}
        for signal in now:
            if signal.kind == "reliable_improvement" and "recovered" in kinds:
                continue  # recovery already says it, and more
            onset = _onset(history, signal.kind, instrument, signal.session)
            found.append(_make(signal, instrument, onset))
        model = config.trajectories.get(instrument)
        if model is not None:
            history = detect_not_on_track(series, model)
            for signal in detect_not_on_track(pair, model):
                onset = _onset(history, signal.kind, instrument, signal.session)
                found.append(_make(signal, instrument, onset))
    return found


def _alliance(
    series: ClientSeries, config: DetectorConfig, unseen: Collection[Observation] = ()
) -> list[CurrentSignal]:
    """``unseen``: late answers, low or pushed, the therapist has not seen yet."""
    found: list[CurrentSignal] = []
    rated = [i for i, c in config.alliance.items() if c.low_threshold is not None]
    for instrument, criteria in config.alliance.items():
        observations = series.of(instrument)
        if not observations or superseded(
            series, instrument, config.alliance, int(criteria.repair_window.value)
        ):
            # Given way to another measure (a clinic that moved from the check-in to the
            # SRS): its last rating is no longer the latest word on the relationship.
            continue
        last = observations[-1]
        # Low is about the latest rating: a later one on another measure with a threshold
        # (the SRS after the check-in) says whether the alliance is low now, as the dropout
        # estimate's weak_alliance reads it.
        latest_low = detect_alliance_low(_only(series, (last,)), criteria)
        if superseded(series, instrument, rated, 1):
            latest_low = ()
        for signal in latest_low:
            history = detect_alliance_low(series, criteria)
            found.append(
                _make(signal, instrument, _onset(history, signal.kind, instrument, last.session))
            )
        episodes = rupture_episodes(observations, criteria)
        if not episodes:
            continue
        latest = episodes[-1]
        signals = detect_ruptures(series, criteria)
        tolerance = float(criteria.repair_tolerance.value)
        if latest.repaired_session is None:
            if last.score < latest.level - tolerance - EPS:
                signal = next(
                    s
                    for s in signals
                    if s.kind == "alliance_rupture" and s.session == latest.session
                )
                evidence = {
                    **signal.evidence,
                    "latest_session": last.session,
                    "latest_score": last.score,
                    "ruptures_this_episode": len(episodes),
                }
                found.append(_make(replace(signal, evidence=evidence), instrument, latest.session))
        elif last.score >= latest.level - tolerance - EPS and not repair_held_back(
            instrument, latest.repaired_session, unseen
        ):
            # Good news only while the repair holds: a rating back below the pre-rupture
            # level (38, 33, 38, then 33 again) is no repair to show beside a low alliance,
            # even when the fall is too small against a recent level that still counts the
            # ruptured rating to open a new rupture.
            signal = next(
                s
                for s in signals
                if s.kind == "alliance_repaired" and s.session == latest.repaired_session
            )
            found.append(_make(signal, instrument, latest.session))
    return found


def repair_held_back(
    instrument: str, repaired_session: int, unseen: Collection[Observation]
) -> bool:
    """Whether a repair of ``instrument`` at ``repaired_session`` is held back: a late low or
    pushed answer about a session up to the repair is not seen yet (``unseen_late``). The
    client said something the therapist has not heard, so it is no good news; the alerts
    and the chart's table both ask this."""
    return any(o.instrument == instrument and o.session <= repaired_session for o in unseen)


def _pushed(
    series: ClientSeries, dismissed: Collection[tuple[str, str]] = ()
) -> list[CurrentSignal]:
    """The latest answer to "did you feel pushed or overridden?" across alliance check-ins;
    when it says "no", the latest answer that said "pushed" (on time: a late one is
    ``_late``'s) until the therapist has seen it (``PUSHED_SEEN``), with what the latest
    check-in answered."""
    answered = [o for o in series.observations if o.pushed is not None]
    if not answered:
        return []

    def order(o: Observation) -> tuple[int, dt.date]:
        return (o.session, o.date or series.today)

    latest = max(answered, key=order)
    if latest.pushed:
        return [
            _make(signal, latest.instrument, latest.session)
            for signal in detect_pushed(_only(series, (latest,)))
        ]
    late = {now for now, _ in late_answers(series)}
    pushed = [o for o in answered if o.pushed and o not in late]
    if not pushed:
        return []
    held = max(pushed, key=order)
    assert latest.pushed is not None
    later = PUSHED_ANSWERS[latest.pushed].lower()
    found = []
    for signal in detect_pushed(_only(series, (held,))):
        item = _make(signal, held.instrument, held.session)
        if (item.kind, item.key + PUSHED_SEEN) in dismissed:
            continue  # seen, and the latest check-in says "no": it has cleared
        evidence = {
            **signal.evidence,
            "later_session": latest.session,
            "later_answer": later,
            "rule": (
                f"{signal.evidence['rule']}; a later check-in said '{later}': shown until "
                f"acknowledged"
            ),
        }
        explanation = (
            f"{signal.explanation} The check-in about session {latest.session} said "
            f"'{later}'; this answer stays until you acknowledge it or log what you did."
        )
        found.append(
            replace(item, signal=replace(signal, evidence=evidence, explanation=explanation))
        )
    return found


def late_answers(series: ClientSeries) -> list[tuple[Observation, Observation]]:
    """Each alliance answer that came late, with the answer about a later session that had
    been counted before it: (late, later), oldest session first.

    Late: answered on a later day than, or on the same day as, the answer about a later
    session of the same measure. A series knows the day an answer came, not the hour, so
    two answers of one day are in an unknown order and the earlier session's counts as
    late: the cost is one acknowledgement, the other way a hidden rupture. Answers without
    a date (a researcher's series) are never late.
    """
    found = []
    for instrument in series.instruments:
        observations = [o for o in series.of(instrument) if o.date is not None]
        for index, now in enumerate(observations):
            assert now.date is not None
            before = [o for o in observations[index + 1 :] if o.date <= now.date]  # type: ignore[operator]
            if before:
                found.append((now, min(before, key=lambda o: (o.date, o.session))))
    return found


def _session_day(series: ClientSeries, session: int) -> dt.date | None:
    return next(
        (a.date for a in series.attendance if a.session == session and a.status == "attended"),
        None,
    )


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def _as_late(
    series: ClientSeries,
    signal: Signal,
    now: Observation,
    later: Observation,
    what: str = "check-in",
    why: str = "the later rating does not show this was heard or repaired",
) -> CurrentSignal:
    """``signal`` about the late answer ``now`` (came after ``later``, about a later
    session), introduced by when it came: ``what`` names the questionnaire, ``why`` says
    why it is shown."""
    assert now.date is not None and later.date is not None
    held = _session_day(series, now.session)
    about = f"session {now.session}" + (f" ({_day(held)})" if held else "")
    intro = (
        f"The {what} about {about} was answered on {_day(now.date)}, after the one about "
        f"session {later.session} had been counted: {why}. "
    )
    evidence = {
        **signal.evidence,
        "late": True,
        "answered_on": now.date.isoformat(),
        "session_date": held.isoformat() if held else None,
        "after_session": later.session,
        "after_answered_on": later.date.isoformat(),
        "rule": (
            f"{signal.evidence['rule']}; answered after the answer about a later "
            f"session: shown until acknowledged"
        ),
    }
    late = replace(signal, evidence=evidence, explanation=intro + signal.explanation)
    part = f"late:{now.session}:{now.date.isoformat()}"
    return _make(late, now.instrument, now.session, part)


def _late(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    """A signal for each late alliance answer that is low or says pushed/overridden: what
    the detectors say about that answer alone, introduced by when it came."""
    found: list[CurrentSignal] = []
    for now, later in late_answers(series):
        alone = _only(series, (now,))
        signals = list(detect_pushed(alone))
        criteria = config.alliance.get(now.instrument)
        if criteria is not None:
            signals[:0] = detect_alliance_low(alone, criteria)
        found.extend(_as_late(series, signal, now, later) for signal in signals)
    return found


def _worse(
    series: ClientSeries, config: DetectorConfig, instrument: str, pair: Sequence[Observation]
) -> list[Signal]:
    """What intake against one later score says that a therapist must hear: a reliable
    deterioration, not on track."""
    alone = _only(series, pair)
    found = [
        s
        for s in detect_reliable_change(alone, config.change[instrument])
        if s.kind == "reliable_deterioration"
    ]
    model = config.trajectories.get(instrument)
    if model is not None:
        found += detect_not_on_track(alone, model)
    return found


#: Why a late outcome score is shown (``_late_outcome``).
LATE_OUTCOME = "the alerts follow the latest score, so this one was never shown"


def _late_outcome(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    """A late outcome score (``late_answers``) that is reliably worse than intake, or not on
    track, while the score of the next session is not: the alerts compare intake with the
    latest score, so it was never shown. It is a current signal of its kind, introduced by
    when it came, until seen; one the next score also says is no news (that score raised it,
    or raises it now)."""
    late = dict(late_answers(series))
    found: list[CurrentSignal] = []
    for instrument in config.change:
        observations = series.of(instrument)
        for index in range(1, len(observations) - 1):
            now = observations[index]
            if now not in late:
                continue
            intake, following = observations[0], observations[index + 1]
            said = {s.kind for s in _worse(series, config, instrument, (intake, following))}
            name = config.change[instrument].name
            found.extend(
                _as_late(series, signal, now, late[now], name, LATE_OUTCOME)
                for signal in _worse(series, config, instrument, (intake, now))
                if signal.kind not in said
            )
    return found


def _dropout(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    found = []
    for signal in detect_dropout_risk(
        series, change=config.change, alliance=config.alliance, model=config.dropout
    ):
        factors = ",".join(sorted(f["name"] for f in signal.evidence.get("factors", [])))
        # A new reason or a step up to high risk is new information worth raising again.
        found.append(_make(signal, "", signal.session, f"{signal.severity}:{factors}"))
    return found


def dropout_onset(
    series: ClientSeries, config: DetectorConfig, key: str, before: int
) -> int | None:
    """The earliest session before ``before`` from which the dropout risk has had ``key``
    (the same estimate band and reasons) at every attended session up to ``before``, each
    judged with ``config`` as the series stood at the end of that session's day
    (``series_as_of``, as the recalibration reads an episode); None when the session before
    already differs.

    Dropout risk is judged as of the latest session, so its detector has no history to
    take an onset from (the other kinds do, ``_onset``): an alert keeps the session its
    instance was raised at. This replay is how the alert layer puts right an onset stored
    before it did (``services._sync``), when the onset moved to the latest session at every
    recompute. It walks back one session at a time and usually stops at the first.

    The answer is only as old as ``config``: with another dropout model (a clinic's
    recalibration) the same sessions can read otherwise, so the caller replays only with the
    model the stored onset was judged with."""
    attended = [a for a in series.attendance if a.status == "attended" and a.session < before]
    began = None
    for point in reversed(attended):
        found = _dropout(series_as_of(series, point), config)
        if not any(signal.key == key for signal in found):
            break
        began = point.session
    return began


def _feedback(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    found = []
    checkin = config.feedback.checkin_instrument or ""
    counted = config.feedback.answered_by(checkin)
    received = [o.session for o in series.observations if o.instrument in counted]
    # The silence began after the last check-in that came (0: none ever came).
    since = max(received, default=0)
    for signal in detect_feedback_missing(series, config.feedback):
        found.append(_make(signal, checkin, since))
    return found


def _unseen_signals(
    series: ClientSeries, config: DetectorConfig, dismissed: Collection[tuple[str, str]]
) -> list[CurrentSignal]:
    return [item for item in _late(series, config) if (item.kind, item.key) not in dismissed]


def _answers_of(series: ClientSeries, late: Sequence[CurrentSignal]) -> list[Observation]:
    return [
        o
        for o in series.observations
        if any(item.instrument == o.instrument and item.onset_session == o.session for item in late)
    ]


def unseen_late(
    series: ClientSeries, config: DetectorConfig, dismissed: Collection[tuple[str, str]] = ()
) -> list[Observation]:
    """The late answers, low or pushed, the therapist has not seen yet (``dismissed`` as for
    ``current_signals``): those that hold back a repair (``repair_held_back``)."""
    return _answers_of(series, _unseen_signals(series, config, dismissed))


def current_signals(
    series: ClientSeries,
    config: DetectorConfig,
    dismissed: Collection[tuple[str, str]] = (),
) -> dict[str, CurrentSignal]:
    """At most one current signal per kind, the most severe (then most recent) of its kind;
    a late answer not seen yet comes before any other of its kind (``late_answers``).

    ``dismissed`` holds (kind, key) of instances the therapist dismissed, and of late
    answers they acknowledged (seen): they are passed over *before* choosing, so a dismissed
    GAD-7 deterioration does not hide a PHQ-9 one, and a seen late answer gives way to what
    the latest answers say.
    """
    late = _unseen_signals(series, config, dismissed)
    unseen = _answers_of(series, late)
    candidates = (
        late
        + _late_outcome(series, config)
        + _outcome(series, config)
        + _alliance(series, config, unseen)
        + _pushed(series, dismissed)
        + _dropout(series, config)
        + _feedback(series, config)
    )
    best: dict[str, CurrentSignal] = {}
    for item in candidates:
        if (item.kind, item.key) in dismissed:
            continue
        held = best.get(item.kind)
        if held is None or _urgency(item) > _urgency(held):
            best[item.kind] = item
    return {kind: best[kind] for kind in KINDS if kind in best}


def _urgency(item: CurrentSignal) -> tuple[bool, int, int]:
    # An unseen late answer first: the latest answers' state was shown before it came.
    return (item.late, SEVERITIES.index(item.signal.severity), item.signal.session)
