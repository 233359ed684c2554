"""The client's context that decides which strategies fit an alert (pure, no Django).

Each condition is one of ``rapport.guidance.library.CONDITIONS``; they are computed from
the same series the detectors read, plus a few facts about the episode.
"""

from __future__ import annotations

from collections.abc import Iterable

from rapport.monitoring.instruments import CHECKIN, CHECKIN_PARTS, PART_LOW_BELOW
from rapport.monitoring.signals import (
    ClientSeries,
    DetectorConfig,
    rupture_episodes,
    superseded,
)

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


def _parts_instrument(series: ClientSeries, config: DetectorConfig) -> str | None:
    """The alliance measure whose last rating shows goals, tasks and bond: the one the
    episode asks after each session (the session check-in, or the SRS in a clinic that uses
    it), else the check-in or any alliance measure the client answered.

    Only a measure with an alert threshold is judged: the 9-of-10 line is that threshold's
    per-scale share (36 of 40), and the WAI-SR (1-5 means, none published) has none to lend.
    """
    after = config.feedback.checkin_instrument
    for instrument in (*([after] if after else []), CHECKIN, *config.alliance):
        criteria = config.alliance.get(instrument)
        if criteria is not None and criteria.low_threshold is not None and series.of(instrument):
            return instrument
    return None


def _low_parts(series: ClientSeries, config: DetectorConfig) -> set[str]:
    """The parts (goals, tasks, bond) lowest at the last rating and below 9 of 10.

    Parts tied for lowest are all low (the strategies say "or tied for lowest"). When every
    part has the same value no part is the lowest: a strategy about one part would single it
    out on no evidence, and the alliance alert's general strategies cover a flat low rating.
    """
    instrument = _parts_instrument(series, config)
    checkins = series.of(instrument) if instrument else ()
    if not checkins:
        return set()
    parts = {
        part: checkins[-1].subscales[part]
        for part, _ in CHECKIN_PARTS
        if part in checkins[-1].subscales
    }
    if len(set(parts.values())) < 2:
        return set()  # no part, one part, or all equal: nothing is lower than the rest
    lowest = min(parts.values())
    return {
        f"{part}_low" for part, value in parts.items() if value == lowest and value < PART_LOW_BELOW
    }


def _alliance_facts(series: ClientSeries, config: DetectorConfig) -> tuple[int, bool]:
    """Ruptures this episode, and whether the alliance was low at the last few check-ins.

    One rupture seen on two measures (the check-in after each session and a WAI-SR every
    few) is one rupture: a rupture on another measure that begins while a counted one is
    still open (from its session to its repair, or to the end of its repair window) is not
    counted again. Counted per measure, a single drop read as "repeated ruptures" and
    "persistent poor fit", and the alert offered a referral.
    """
    spans: list[tuple[int, int]] = []
    persistent_low = False
    rated = [i for i, c in config.alliance.items() if c.low_threshold is not None]
    for criteria in config.alliance.values():
        observations = series.of(criteria.instrument)
        window = int(criteria.repair_window.value)
        for episode in rupture_episodes(observations, criteria):
            end = episode.repaired_session
            spans.append((episode.session, episode.session + window if end is None else end))
        # Low at its last check-ins, unless a later rating on another measure with a
        # threshold says how it is now (a clinic that moved from the check-in to the SRS).
        if (
            criteria.low_threshold is not None
            and len(observations) >= POOR_FIT_RUN
            and not superseded(series, criteria.instrument, rated, 1)
        ):
            threshold = float(criteria.low_threshold.value)
            recent = observations[-POOR_FIT_RUN:]
            persistent_low = persistent_low or all(o.score < threshold for o in recent)
    ruptures = 0
    open_until = None
    for start, end in sorted(spans):
        if open_until is not None and start <= open_until:
            open_until = max(open_until, end)
            continue
        ruptures += 1
        open_until = end
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
    found: set[str] = _low_parts(series, config)
    # has_goals: agreed goals being worked on (the caller leaves out goals the client wrote
    # that are still "to talk through": not agreed, so "no_goals" still holds).
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
    # Quiet *in session*, as the latest analysed transcript saw it (flag client_quiet).
    # Unanswered check-in links are not this: they have their own alert (feedback_missing)
    # and strategies, and the quiet-client advice is about talk in the room.
    if quiet_flag:
        found.add("quiet_client")
    if sum(1 for a in series.attendance if a.status != "attended") >= MISSED_SESSIONS:
        found.add("missed_sessions")
    age = series.attributes.age
    if age is not None and age < YOUNG_BELOW:
        found.add("young")
    if kinds & {"not_on_track", "reliable_deterioration"}:
        found.add("not_improving")
    return frozenset(found)
