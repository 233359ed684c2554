"""Alliance signals: low alliance, ruptures, their repair, and feeling pushed.

Alliance scales here run higher-is-better (SRS, the session check-in, WAI-SR). A rupture
is a drop of at least a set threshold (the published reliable change, else a Jacobson &
Truax threshold, else a tenth of the range) below the client's own recent level, never a
one-point wobble: a single drop between two ratings is a weak marker (Zlotnick et al. 2020)
and alerts that cry wolf teach therapists to ignore them. Rupture patterns appear in about
1 in 10 treatments and repair patterns in about 1 in 7 (Larsson et al. 2018); repair goes
with better outcome (Eubanks, Muran & Safran 2018).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from rapport.monitoring.signals._util import apart, number, onsets, spoken
from rapport.monitoring.signals.criteria import EPS, AllianceCriteria
from rapport.monitoring.signals.model import (
    PUSHED_ANSWERS,
    CitedValue,
    ClientSeries,
    Observation,
    Signal,
)
from rapport.monitoring.signals.sources import EUBANKS_2018, LARSSON_2018, is_borrowed

__all__ = [
    "RuptureEpisode",
    "detect_alliance_low",
    "detect_pushed",
    "detect_ruptures",
    "rupture_episodes",
    "superseded",
]

PUSHED_SOURCE = (
    "Rapport check-in: the client is invited every session to say whether they felt pushed "
    "or overridden (Rapport relationship practices: invite it every session, not once)."
)


@dataclass(frozen=True, slots=True)
class RuptureEpisode:
    """A rupture and, if it came within the window, its repair."""

    session: int
    level: float
    score: float
    prior_sessions: tuple[int, ...]
    repaired_session: int | None = None
    repaired_score: float | None = None

    @property
    def drop(self) -> float:
        return self.level - self.score

    @property
    def baseline(self) -> str:
        """What the drop was measured from, with its number and how many ratings it rests
        on: a drop from one earlier rating is the weak single-drop marker (Zlotnick et al.
        2020), and the therapist must be able to see that it is one."""
        count = len(self.prior_sessions)
        if count == 1:
            return f"the one earlier rating ({spoken(self.level)})"
        return f"the mean of the previous {count} ratings ({spoken(self.level)})"


def detect_alliance_low(series: ClientSeries, criteria: AllianceCriteria) -> tuple[Signal, ...]:
    """``alliance_low`` at each session where the total first falls below the threshold."""
    if criteria.low_threshold is None:
        return ()
    threshold = float(criteria.low_threshold.value)
    observations = series.of(criteria.instrument)
    below = [o.score < threshold for o in observations]
    return tuple(_low(criteria, observations[i]) for i in onsets(below))


def _low(criteria: AllianceCriteria, now: Observation) -> Signal:
    assert criteria.low_threshold is not None
    threshold = criteria.low_threshold
    # A total of 35.96 must not read "rated 36.0 out of 40, below 36".
    score, limit = apart(now.score, float(threshold.value))
    return Signal(
        kind="alliance_low",
        severity="medium",
        session=now.session,
        evidence={
            "instrument": criteria.instrument,
            "score": number(now.score),
            "threshold": number(threshold.value),
            "rule": f"total below {number(threshold.value)}",
            "subscales": {k: number(v) for k, v in sorted(now.subscales.items())},
        },
        explanation=(
            f"The client rated the relationship {_out_of(criteria, score)} at session "
            f"{now.session}, below {limit}. Ask, without defending, what "
            f"would make the sessions fit them better (goals, way of working, bond)."
            f"{_borrowed_note(threshold)}"
        ),
        source=threshold.source,
    )


def _borrowed_note(threshold: CitedValue) -> str:
    """A sentence saying the threshold is lent by another measure, or nothing."""
    if not is_borrowed(threshold.source):
        return ""
    return (
        f" The threshold of {number(threshold.value)} is a Rapport default borrowed from "
        f"another measure (see the source), not validated for this one: treat it as a "
        f"prompt to ask, not a cut-off."
    )


def _out_of(criteria: AllianceCriteria, score: str) -> str:
    """A score as read (``spoken``) with its scale, "12 out of 40", when the scale's maximum
    is known."""
    if criteria.scale_max is None:
        return score
    return f"{score} out of {spoken(criteria.scale_max)}"


def rupture_episodes(
    observations: Sequence[Observation], criteria: AllianceCriteria
) -> list[RuptureEpisode]:
    """Ruptures and repairs in one alliance series, oldest first.

    While a rupture awaits repair (within ``repair_window`` sessions) no new rupture is
    opened: a continuing fall is the same rupture, and one alert is enough.
    """
    drop = float(criteria.rupture_drop.value)
    window = int(criteria.recent_window.value)
    repair_window = int(criteria.repair_window.value)
    tolerance = float(criteria.repair_tolerance.value)
    episodes: list[RuptureEpisode] = []
    open_episode: RuptureEpisode | None = None
    for index, now in enumerate(observations):
        if open_episode is not None:
            if now.session - open_episode.session <= repair_window:
                if now.score >= open_episode.level - tolerance - EPS:
                    episodes[-1] = _repaired(open_episode, now)
                    open_episode = None
                continue
            open_episode = None  # window passed unrepaired; this rating is judged afresh
        prior = observations[max(0, index - window) : index]
        if not prior:
            continue
        level = sum(p.score for p in prior) / len(prior)
        if level - now.score >= drop - EPS:
            open_episode = RuptureEpisode(
                session=now.session,
                level=level,
                score=now.score,
                prior_sessions=tuple(p.session for p in prior),
            )
            episodes.append(open_episode)
    return episodes


def superseded(
    series: ClientSeries, instrument: str, alliance: Collection[str], sessions: int
) -> bool:
    """Whether the client has rated at least ``sessions`` sessions after this measure's last
    rating on the other alliance measures (``alliance``) and not on this one.

    A clinic that moves from the session check-in to the SRS (once it has loaded the
    licensed wording) never asks the check-in again: its last rating, a rupture say, would
    otherwise stay the check-in's "latest" for the rest of the episode, whatever the SRS
    has said since. A measure given every few sessions (the WAI-SR) gives way to the
    per-session check-in in the same way until it is given again.
    """
    own = series.of(instrument)
    if not own:
        return False
    last = own[-1].session
    later = {
        o.session
        for o in series.observations
        if o.instrument in alliance and o.instrument != instrument and o.session > last
    }
    return len(later) >= sessions


def _repaired(episode: RuptureEpisode, now: Observation) -> RuptureEpisode:
    return RuptureEpisode(
        session=episode.session,
        level=episode.level,
        score=episode.score,
        prior_sessions=episode.prior_sessions,
        repaired_session=now.session,
        repaired_score=now.score,
    )


def detect_ruptures(series: ClientSeries, criteria: AllianceCriteria) -> tuple[Signal, ...]:
    """``alliance_rupture`` and ``alliance_repaired`` signals for one alliance measure."""
    signals: list[Signal] = []
    for episode in rupture_episodes(series.of(criteria.instrument), criteria):
        signals.append(_rupture(criteria, episode))
        if episode.repaired_session is not None:
            signals.append(_repair(criteria, episode))
    return tuple(signals)


def _rupture(criteria: AllianceCriteria, episode: RuptureEpisode) -> Signal:
    # The explanation states the rule as it is (a drop of *at least* the threshold) in
    # plain words. Where the threshold comes from (a published reliable change, a Jacobson
    # & Truax threshold, or for the SRS and the check-in Rapport's default of a tenth of
    # the range, adapter._rupture_drop) is the signal's source, which the page shows
    # beside it: quoted inside the explanation it stacked brackets three deep.
    drop = criteria.rupture_drop
    # A drop of 5.52 must not read as meeting a threshold of 5.54 ("5.5 or more").
    fell, counts = apart(episode.drop, float(drop.value))
    return Signal(
        kind="alliance_rupture",
        severity="medium",
        session=episode.session,
        evidence={
            "instrument": criteria.instrument,
            "score": number(episode.score),
            "recent_level": number(episode.level),
            "recent_sessions": list(episode.prior_sessions),
            "drop": number(episode.drop),
            "threshold": number(drop.value),
            # The level actually used and the ratings it rests on, not the window's size:
            # early in an episode fewer ratings exist than the window holds.
            "rule": f"drop of at least {number(drop.value)} points below {episode.baseline}",
        },
        explanation=(
            f"The relationship rating fell to {_out_of(criteria, spoken(episode.score))} at "
            f"session {episode.session} from {_from_level(criteria, episode)}, a drop of {fell} "
            f"points; a drop of {counts} or more counts as a rupture. A single drop is a weak "
            f"marker, so treat it as a prompt: name it, invite the client's view, and take your "
            f"share of it."
        ),
        source=f"{drop.source}; {LARSSON_2018}",
    )


def _from_level(criteria: AllianceCriteria, episode: RuptureEpisode) -> str:
    """The level the rating fell from, in words that say when it rests on fewer ratings
    than the usual window (a rupture can fire from the second rating on: PCOMS alerts on a
    drop from the last session)."""
    level = spoken(episode.level)
    count = len(episode.prior_sessions)
    if count == 1:
        return f"{level} at session {episode.prior_sessions[0]}, the only earlier rating"
    if count < int(criteria.recent_window.value):
        return f"a recent level of {level}, the mean of the {count} earlier ratings"
    return f"a recent level of {level}"


def _repair(criteria: AllianceCriteria, episode: RuptureEpisode) -> Signal:
    assert episode.repaired_session is not None and episode.repaired_score is not None
    tolerance = float(criteria.repair_tolerance.value)
    return Signal(
        kind="alliance_repaired",
        severity="info",
        session=episode.repaired_session,
        evidence={
            "instrument": criteria.instrument,
            "rupture_session": episode.session,
            "pre_rupture_level": number(episode.level),
            "rupture_score": number(episode.score),
            "score": number(episode.repaired_score),
            "sessions_after_rupture": episode.repaired_session - episode.session,
            "rule": (
                f"back to at least the pre-rupture level less {number(tolerance)} within "
                f"{int(criteria.repair_window.value)} sessions"
            ),
        },
        explanation=(
            f"The relationship rating is back to "
            f"{_out_of(criteria, spoken(episode.repaired_score))} at session "
            f"{episode.repaired_session}, near its level before the drop at session "
            f"{episode.session}. Repaired ruptures go with better outcomes."
        ),
        source=f"{criteria.repair_window.source}; {EUBANKS_2018}",
    )


def detect_pushed(series: ClientSeries) -> tuple[Signal, ...]:
    """``pushed_or_overridden`` whenever the client answered "a little" or "yes"."""
    return tuple(_pushed(o) for o in series.observations if o.pushed)


def _pushed(now: Observation) -> Signal:
    assert now.pushed is not None
    answer = PUSHED_ANSWERS[now.pushed]
    return Signal(
        kind="pushed_or_overridden",
        severity="medium" if now.pushed == 2 else "low",
        session=now.session,
        evidence={
            "instrument": now.instrument,
            "answer": answer,
            "value": now.pushed,
            "rule": "pushed answer is 'a little' (low) or 'yes' (medium)",
        },
        explanation=(
            f"At session {now.session} the client answered '{answer}' to feeling pushed or "
            f"overridden. Thank them for saying so, ask what it was, and agree how to go on."
        ),
        source=PUSHED_SOURCE,
    )
