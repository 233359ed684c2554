"""Reliable and clinically significant change (Jacobson & Truax 1991).

Each outcome score is compared with the client's first score on the same instrument
(intake). ``reliable_improvement`` / ``reliable_deterioration`` fire at the session the
change first clears the reliable-change threshold; ``recovered`` fires when a reliable
improvement also takes the client from the clinical to the non-clinical side of the cut-off.
"""

from __future__ import annotations

from typing import Any

from rapport.monitoring.signals._util import number, onsets
from rapport.monitoring.signals.criteria import ChangeCriteria, ReliableChangeRule
from rapport.monitoring.signals.model import ClientSeries, Observation, Signal

__all__ = ["detect_reliable_change"]


def detect_reliable_change(series: ClientSeries, criteria: ChangeCriteria) -> tuple[Signal, ...]:
    """Reliable improvement, reliable deterioration and recovery on one instrument."""
    observations = series.of(criteria.instrument)
    if len(observations) < 2:
        return ()  # change needs an intake score and a later one
    rule = criteria.rule()
    intake = observations[0]
    later = observations[1:]
    # improvement > 0 means better, whichever direction the instrument runs.
    gains = [criteria.sign * (intake.score - o.score) for o in later]
    improved = [bool(rule.is_reliable(g)) and g > 0 for g in gains]
    worse = [bool(rule.is_reliable(g)) and g < 0 for g in gains]
    signals = [_improvement(criteria, rule, intake, later[i]) for i in onsets(improved)]
    signals += [_deterioration(criteria, rule, intake, later[i]) for i in onsets(worse)]
    if criteria.clinical_cutoff is not None and criteria.is_clinical(intake.score):
        left = [not criteria.is_clinical(o.score) for o in later]
        recovered = [ok and out for ok, out in zip(improved, left, strict=True)]
        signals += [_recovered(criteria, rule, intake, later[i]) for i in onsets(recovered)]
    return tuple(signals)


# Explanations give the rule in words (ReliableChangeRule.in_words); its formula, with
# the brackets a formula needs, is in the evidence, and where it comes from in the source.


def _evidence(
    criteria: ChangeCriteria, rule: ReliableChangeRule, intake: Observation, now: Observation
) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "instrument": criteria.instrument,
        "direction": criteria.direction,
        "intake_session": intake.session,
        "intake_score": number(intake.score),
        "score": number(now.score),
        "change": number(now.score - intake.score),
        **rule.as_evidence(),
    }
    if rule.standard_error is not None:
        rc_index = (now.score - intake.score) / (2**0.5 * rule.standard_error)
        evidence["rc_index"] = number(rc_index)
    return evidence


def _describe(criteria: ChangeCriteria, intake: Observation, now: Observation) -> str:
    return (
        f"{criteria.name} went from {number(intake.score)} at session {intake.session} "
        f"to {number(now.score)} at session {now.session}"
    )


def _improvement(
    criteria: ChangeCriteria, rule: ReliableChangeRule, intake: Observation, now: Observation
) -> Signal:
    return Signal(
        kind="reliable_improvement",
        severity="info",
        session=now.session,
        evidence=_evidence(criteria, rule, intake, now),
        explanation=(
            f"{_describe(criteria, intake, now)}: an improvement larger than measurement error "
            f"alone would explain ({rule.in_words} counts as reliable)."
        ),
        source=rule.source,
    )


def _deterioration(
    criteria: ChangeCriteria, rule: ReliableChangeRule, intake: Observation, now: Observation
) -> Signal:
    return Signal(
        kind="reliable_deterioration",
        severity="high",
        session=now.session,
        evidence=_evidence(criteria, rule, intake, now),
        explanation=(
            f"{_describe(criteria, intake, now)}: worse by more than measurement error alone "
            f"would explain ({rule.in_words} counts as reliable). Review the plan and the "
            f"relationship with the client."
        ),
        source=rule.source,
    )


def _recovered(
    criteria: ChangeCriteria, rule: ReliableChangeRule, intake: Observation, now: Observation
) -> Signal:
    assert criteria.clinical_cutoff is not None
    cutoff = criteria.clinical_cutoff
    evidence = _evidence(criteria, rule, intake, now)
    evidence["clinical_cutoff"] = number(cutoff.value)
    evidence["clinical_range"] = criteria.clinical_range
    side = "at or above" if criteria.clinical_range == "at_or_above" else "below"
    return Signal(
        kind="recovered",
        severity="info",
        session=now.session,
        evidence=evidence,
        explanation=(
            f"{_describe(criteria, intake, now)}: a reliable improvement that also left the "
            f"clinical range ({side} {number(cutoff.value)}), which is recovery in the sense "
            f"of Jacobson & Truax (1991)."
        ),
        source=f"{rule.source} Cut-off: {cutoff.source}",
    )
