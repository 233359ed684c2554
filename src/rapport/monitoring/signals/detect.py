"""Run every detector over one client's series."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from rapport.monitoring.signals.alliance import detect_alliance_low, detect_pushed, detect_ruptures
from rapport.monitoring.signals.change import detect_reliable_change
from rapport.monitoring.signals.criteria import (
    AllianceCriteria,
    ChangeCriteria,
    FeedbackCriteria,
    TrajectoryModel,
    default_trajectory,
)
from rapport.monitoring.signals.dropout import (
    DEFAULT_DROPOUT_MODEL,
    DropoutModel,
    detect_dropout_risk,
)
from rapport.monitoring.signals.errors import CriteriaError
from rapport.monitoring.signals.feedback import detect_feedback_missing
from rapport.monitoring.signals.model import KINDS, ClientSeries, Signal
from rapport.monitoring.signals.trajectory import detect_not_on_track

__all__ = ["DetectorConfig", "detect_all"]


@dataclass(frozen=True, eq=False)
class DetectorConfig:
    """All parameters for ``detect_all``, keyed by instrument id."""

    change: Mapping[str, ChangeCriteria] = field(default_factory=dict)
    trajectories: Mapping[str, TrajectoryModel] = field(default_factory=dict)
    alliance: Mapping[str, AllianceCriteria] = field(default_factory=dict)
    dropout: DropoutModel = DEFAULT_DROPOUT_MODEL
    feedback: FeedbackCriteria = field(default_factory=FeedbackCriteria)

    @classmethod
    def from_criteria(
        cls,
        criteria: Iterable[ChangeCriteria | AllianceCriteria],
        *,
        trajectories: Mapping[str, TrajectoryModel] | None = None,
        dropout: DropoutModel = DEFAULT_DROPOUT_MODEL,
        feedback: FeedbackCriteria | None = None,
    ) -> DetectorConfig:
        """Group criteria by instrument and fill the defaults.

        Outcome measures get the default trajectory unless one is given (and none when
        they lack the cut-off it needs); the first alliance measure is the expected
        per-session check-in unless ``feedback`` says otherwise; answers on the other
        alliance measures count as check-ins too unless ``feedback.other_checkins`` is set.
        """
        items = list(criteria)
        change = {c.instrument: c for c in items if isinstance(c, ChangeCriteria)}
        alliance = {c.instrument: c for c in items if isinstance(c, AllianceCriteria)}
        if trajectories is None:
            trajectories = {}
            for instrument, criterion in change.items():
                try:
                    trajectories[instrument] = default_trajectory(criterion)
                except CriteriaError:
                    continue  # no cut-off: reliable change still works, trajectory does not
        if feedback is None:
            feedback = FeedbackCriteria(checkin_instrument=next(iter(alliance), None))
        if feedback.other_checkins is None:
            # An answer on any alliance measure about a session is that session's feedback
            # (FeedbackCriteria.other_checkins).
            others = tuple(i for i in alliance if i != feedback.checkin_instrument)
            feedback = replace(feedback, other_checkins=others)
        return cls(
            change=change,
            trajectories=dict(trajectories),
            alliance=alliance,
            dropout=dropout,
            feedback=feedback,
        )


def detect_all(series: ClientSeries, config: DetectorConfig | None = None) -> tuple[Signal, ...]:
    """Every signal for one client, ordered by session and then by urgency of kind.

    Without ``config`` the criteria come from the instrument registry for the instruments
    present in the series (see ``adapter.config_for``).
    """
    if config is None:
        from rapport.monitoring.signals.adapter import config_for

        config = config_for(series.instruments)
    signals: list[Signal] = []
    for change in config.change.values():
        signals += detect_reliable_change(series, change)
    for model in config.trajectories.values():
        signals += detect_not_on_track(series, model)
    for alliance in config.alliance.values():
        signals += detect_alliance_low(series, alliance)
        signals += detect_ruptures(series, alliance)
    signals += detect_pushed(series)
    signals += detect_feedback_missing(series, config.feedback)
    signals += detect_dropout_risk(
        series, change=config.change, alliance=config.alliance, model=config.dropout
    )
    return tuple(sorted(signals, key=lambda s: (s.session, KINDS.index(s.kind))))
