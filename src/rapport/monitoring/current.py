"""Which signals hold *now*: the state the alert list follows (pure, no Django).

The detectors report the session at which each state starts (one deterioration raises
one signal, not ten). An alert, though, must know whether its state still holds today, so
that it resolves itself when the signal clears (the alliance recovered, check-ins came
back). This module asks the same detectors about the latest data only:

* change and trajectory: intake against the latest score of each outcome measure;
* alliance low: the latest rating; rupture: the latest rupture episode, open while it is
  unrepaired and the rating is still below the pre-rupture level; repaired: the latest
  rupture episode was repaired (good news until a new rupture comes);
* pushed or overridden: the latest check-in's answer;
* dropout risk and missing check-ins: already judged as of ``series.today``.

Each current signal carries a ``key`` naming the instance (kind, instrument, the session
at which the state began). A therapist who dismisses an alert dismisses that instance: the
same state does not raise it again, a new instance does.
"""

from __future__ import annotations

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
)
from rapport.monitoring.signals.criteria import EPS
from rapport.monitoring.signals.model import KINDS, SEVERITIES

__all__ = ["KEY_LENGTH", "CurrentSignal", "current_signals"]

#: Keys are stored in ``Alert.signal_key`` (200 characters) and compared as stored.
KEY_LENGTH = 200


@dataclass(frozen=True)
class CurrentSignal:
    signal: Signal
    key: str
    onset_session: int
    instrument: str

    @property
    def kind(self) -> str:
        return self.signal.kind


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


def _alliance(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    found: list[CurrentSignal] = []
    for instrument, criteria in config.alliance.items():
        observations = series.of(instrument)
        if not observations:
            continue
        last = observations[-1]
        for signal in detect_alliance_low(_only(series, (last,)), criteria):
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
        else:
            signal = next(
                s
                for s in signals
                if s.kind == "alliance_repaired" and s.session == latest.repaired_session
            )
            found.append(_make(signal, instrument, latest.session))
    return found


def _pushed(series: ClientSeries) -> list[CurrentSignal]:
    """The latest answer to "did you feel pushed or overridden?" across alliance check-ins."""
    answered = [o for o in series.observations if o.pushed is not None]
    if not answered:
        return []
    latest = max(answered, key=lambda o: (o.session, o.date or series.today))
    return [
        _make(signal, latest.instrument, latest.session)
        for signal in detect_pushed(_only(series, (latest,)))
    ]


def _dropout(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    found = []
    for signal in detect_dropout_risk(
        series, change=config.change, alliance=config.alliance, model=config.dropout
    ):
        factors = ",".join(sorted(f["name"] for f in signal.evidence.get("factors", [])))
        # A new reason or a step up to high risk is new information worth raising again.
        found.append(_make(signal, "", signal.session, f"{signal.severity}:{factors}"))
    return found


def _feedback(series: ClientSeries, config: DetectorConfig) -> list[CurrentSignal]:
    found = []
    checkin = config.feedback.checkin_instrument or ""
    received = [o.session for o in series.observations if o.instrument == checkin]
    # The silence began after the last check-in that came (0: none ever came).
    since = max(received, default=0)
    for signal in detect_feedback_missing(series, config.feedback):
        found.append(_make(signal, checkin, since))
    return found


def current_signals(
    series: ClientSeries,
    config: DetectorConfig,
    dismissed: Collection[tuple[str, str]] = (),
) -> dict[str, CurrentSignal]:
    """At most one current signal per kind, the most severe (then most recent) of its kind.

    ``dismissed`` holds (kind, key) of instances the therapist dismissed: they are passed
    over *before* choosing, so a dismissed GAD-7 deterioration does not hide a PHQ-9 one.
    """
    candidates = (
        _outcome(series, config)
        + _alliance(series, config)
        + _pushed(series)
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


def _urgency(item: CurrentSignal) -> tuple[int, int]:
    return (SEVERITIES.index(item.signal.severity), item.signal.session)
