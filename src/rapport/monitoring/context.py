"""The client's context that decides which strategies fit an alert (pure, no Django).

Each condition is one of ``rapport.guidance.library.CONDITIONS``; they are computed from
the same series the detectors read, plus a few facts about the episode.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapport.monitoring.instruments import CHECKIN, CHECKIN_PARTS, PART_LOW_BELOW
from rapport.monitoring.signals import ClientSeries, DetectorConfig, rupture_episodes

__all__ = ["EARLY_SESSIONS", "POOR_FIT_RUN", "YOUNG_BELOW", "guidance_context"]

#: Three sessions or fewer is early: trust takes time (PRACTICES.md; Hannan et al. 2005
#: judge progress from the third session). An episode still marked "establishing" counts
#: as early up to twice that, since therapists do not always move the phase on.
EARLY_SESSIONS = 3
#: Alliance below threshold at this many check-ins in a row is a persistent poor fit.
POOR_FIT_RUN = 3
#: Younger clients leave early more often (Swift & Greenberg 2012); the dropout model's age.
YOUNG_BELOW = 25
MISSED_SESSIONS = 2


def _low_parts(series: ClientSeries) -> set[str]:
    checkins = series.of(CHECKIN)
    if not checkins:
        return set()
    parts = {
        part: checkins[-1].subscales[part]
        for part, _ in CHECKIN_PARTS
        if part in checkins[-1].subscales
    }
    if not parts:
        return set()
    lowest = min(parts.values())
    return {
        f"{part}_low" for part, value in parts.items() if value == lowest and value < PART_LOW_BELOW
    }


def _alliance_facts(series: ClientSeries, config: DetectorConfig) -> tuple[int, bool]:
    """Ruptures this episode, and whether the alliance was low at the last few check-ins."""
    ruptures = 0
    persistent_low = False
    for instrument, criteria in config.alliance.items():
        observations = series.of(instrument)
        ruptures += len(rupture_episodes(observations, criteria))
        if criteria.low_threshold is not None and len(observations) >= POOR_FIT_RUN:
            threshold = float(criteria.low_threshold.value)
            recent = observations[-POOR_FIT_RUN:]
            persistent_low = persistent_low or all(o.score < threshold for o in recent)
    return ruptures, persistent_low


def guidance_context(
    series: ClientSeries,
    config: DetectorConfig,
    *,
    phase: str,
    mandated: bool,
    trainee: bool,
    has_goals: bool,
    active_kinds: Iterable[str],
    quiet_flag: bool = False,
) -> frozenset[str]:
    """The conditions that hold for this client today."""
    kinds = set(active_kinds)
    found: set[str] = _low_parts(series)
    found.add("has_goals" if has_goals else "no_goals")
    if mandated:
        found.add("mandated")
    if trainee:
        found.add("trainee")
    attended = [a for a in series.attendance if a.status == "attended"]
    if len(attended) <= EARLY_SESSIONS or (
        phase == "establishing" and len(attended) <= 2 * EARLY_SESSIONS
    ):
        found.add("early_phase")
    if phase == "ending":
        found.add("ending_phase")
    ruptures, persistent_low = _alliance_facts(series, config)
    if ruptures >= 2:
        found.add("repeated_rupture")
    if ruptures >= 2 or persistent_low:
        found.add("poor_fit")
    if "pushed_or_overridden" in kinds:
        found.add("pushed")
    if quiet_flag or "feedback_missing" in kinds:
        found.add("quiet_client")
    if sum(1 for a in series.attendance if a.status != "attended") >= MISSED_SESSIONS:
        found.add("missed_sessions")
    age = series.attributes.age
    if age is not None and age < YOUNG_BELOW:
        found.add("young")
    if kinds & {"not_on_track", "reliable_deterioration"}:
        found.add("not_improving")
    return frozenset(found)
