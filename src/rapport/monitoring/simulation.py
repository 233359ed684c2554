"""Simulated cohorts with known truth, and how well each detector finds it.

Run ``python -m rapport.monitoring.simulation`` to print the table that
``docs/monitoring.md`` shows (fixed seed, so the numbers are reproducible).

The generator (all parameters in ``SimulationSpec``, on the outcome's own scale via its
reliable-change threshold *u* and cut-off *c*):

* **Outcome.** Intake severity ~ N(c + u, 0.8u). Most clients follow the default expected
  course for their intake band with their own slope ~ N(slope, slope_sd) per ln(session);
  ``p_deteriorate`` of them instead stop improving and worsen by 0.35u a session from an
  onset between sessions 2 and 5 (capped at 2u). Observed = latent + measurement error
  (SE = u / (1.96 sqrt 2), the error implied by the reliable change), rounded and
  clipped. Truth: *deteriorated* when the latent score ends at least u worse than intake;
  *treatment failure* when it ends no better than intake.
* **Alliance.** Level ~ N(37.5, 1.5) on 0-40 with session noise N(0, 1) (one-point
  wobbles) and, with probability ``p_blip`` per session, a one-session dip of 2-5 points
  that is *not* a rupture (the weak single drop of Zlotnick et al. 2020). ``p_rupture`` of
  clients have a rupture (drop of 5-10 points) between session 3 and four sessions before
  the end; half of them repair 1-3 sessions later, the others stay low.
* **Dropout.** Each client's chance of leaving early is logistic in known factors
  (unrepaired rupture, deterioration, low alliance, young age, mandated, trainee
  therapist); a client who leaves does so after any problem has started, and misses more
  appointments beforehand (15% vs 5% no-shows).
* **Missing feedback.** ``p_stop_checkins`` of clients stop answering check-ins while
  attending; everyone else skips a single check-in now and then (5%).

Scores per detector: *sensitivity* (share of clients with the condition flagged),
*false-alarm rate* (share of clients without it flagged at any session), and *timing*:
for deterioration and not-on-track the median *lead* in sessions before the end of
treatment, for dropout the lead before the first session missed for good, and for
ruptures, repairs and missing feedback the median *delay* after the true event.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rapport.monitoring.signals.alliance import detect_ruptures
from rapport.monitoring.signals.change import detect_reliable_change
from rapport.monitoring.signals.criteria import (
    AllianceCriteria,
    ChangeCriteria,
    FeedbackCriteria,
    default_trajectory,
)
from rapport.monitoring.signals.detect import DetectorConfig
from rapport.monitoring.signals.dropout import detect_dropout_risk
from rapport.monitoring.signals.feedback import detect_feedback_missing
from rapport.monitoring.signals.model import (
    AttendanceRecord,
    ClientAttributes,
    ClientSeries,
    Observation,
    Signal,
)
from rapport.monitoring.signals.trajectory import detect_not_on_track

__all__ = [
    "DEFAULT_SEED",
    "DetectorScore",
    "SimulatedClient",
    "SimulationSpec",
    "Truth",
    "cohort_frame",
    "default_spec",
    "evaluate_detectors",
    "main",
    "scores_table",
    "simulate_cohort",
]

DEFAULT_SEED = 20250101
_START = dt.date(2025, 1, 6)


@dataclass(frozen=True)
class SimulationSpec:
    """The instruments and the rates of each simulated problem."""

    outcome: ChangeCriteria
    alliance: AllianceCriteria
    outcome_range: tuple[float, float]
    alliance_range: tuple[float, float] = (0.0, 40.0)
    sessions: int = 12
    p_deteriorate: float = 0.10
    p_rupture: float = 0.20
    p_repair: float = 0.5
    p_blip: float = 0.03
    p_stop_checkins: float = 0.10
    dropout_intercept: float = -2.4
    dropout_weights: dict[str, float] = field(
        default_factory=lambda: {
            "unrepaired_rupture": 1.2,
            "deteriorating": 0.8,
            "low_alliance": 0.8,
            "young_age": 0.4,
            "mandated": 0.4,
            "trainee_therapist": 0.4,
        }
    )

    def config(self) -> DetectorConfig:
        return DetectorConfig.from_criteria(
            [self.outcome, self.alliance],
            feedback=FeedbackCriteria(checkin_instrument=self.alliance.instrument),
        )


def default_spec() -> SimulationSpec:
    """PHQ-9 and the session check-in, with their figures from the instrument registry."""
    from rapport.monitoring.signals.adapter import criteria_for, find_instrument

    outcome = criteria_for("phq9")
    alliance = criteria_for("session-checkin")
    assert isinstance(outcome, ChangeCriteria) and isinstance(alliance, AllianceCriteria)
    total = find_instrument("phq9").total
    assert total is not None
    return SimulationSpec(
        outcome=outcome, alliance=alliance, outcome_range=(float(total.min), float(total.max))
    )


@dataclass(frozen=True, slots=True)
class Truth:
    """What really happened to a simulated client."""

    last_session: int
    deteriorated: bool
    failure: bool
    rupture_session: int | None
    repaired_session: int | None
    dropout_session: int | None
    stopped_checkins: int | None


@dataclass(frozen=True, slots=True)
class SimulatedClient:
    series: ClientSeries
    truth: Truth


def simulate_cohort(
    n_clients: int, spec: SimulationSpec, *, seed: int = DEFAULT_SEED
) -> tuple[SimulatedClient, ...]:
    """A reproducible cohort of ``n_clients`` with known truth."""
    rng = np.random.default_rng(seed)
    return tuple(_client(f"sim-{i:05d}", spec, rng) for i in range(n_clients))


def _client(name: str, spec: SimulationSpec, rng: np.random.Generator) -> SimulatedClient:
    sessions = spec.sessions
    outcome, latent, deteriorating = _outcome_course(spec, rng)
    alliance, rupture, repaired = _alliance_course(spec, rng)
    age = int(np.clip(rng.normal(38, 12), 18, 80))
    attributes = ClientAttributes(
        age=age, mandated=bool(rng.random() < 0.10), trainee_therapist=bool(rng.random() < 0.25)
    )
    unrepaired = rupture is not None and repaired is None
    risk = spec.dropout_intercept + sum(
        weight * flag
        for weight, flag in zip(
            spec.dropout_weights.values(),
            (
                unrepaired,
                deteriorating is not None,
                alliance[0] < 36,
                age < 25,
                bool(attributes.mandated),
                bool(attributes.trainee_therapist),
            ),
            strict=True,
        )
    )
    dropout: int | None = None
    if rng.random() < 1 / (1 + math.exp(-risk)):
        earliest = max(2, (rupture or 0) + 1, (deteriorating or 0) + 1)
        dropout = int(rng.integers(min(earliest, sessions - 2), sessions - 1))
    last = dropout if dropout is not None else sessions
    stop = int(rng.integers(3, sessions - 1)) if rng.random() < spec.p_stop_checkins else None
    no_show = 0.15 if dropout is not None else 0.05
    observations: list[Observation] = []
    attendance: list[AttendanceRecord] = []
    for session in range(1, last + 1):
        date = _START + dt.timedelta(weeks=session - 1)
        if session > 1 and rng.random() < no_show:
            attendance.append(AttendanceRecord(session, "no_show", date))
            continue
        attendance.append(AttendanceRecord(session, "attended", date))
        observations.append(
            Observation(spec.outcome.instrument, session, outcome[session - 1], date=date)
        )
        skipped = (stop is not None and session >= stop) or rng.random() < 0.05
        if not skipped:
            pushed = 2 if session == rupture and rng.random() < 0.5 else 0
            observations.append(
                Observation(
                    spec.alliance.instrument, session, alliance[session - 1], date, pushed=pushed
                )
            )
    change = latent[last - 1] - latent[0]
    unit = spec.outcome.rule().threshold
    truth = Truth(
        last_session=last,
        deteriorated=bool(change >= unit),
        failure=bool(change >= 0),
        rupture_session=rupture if rupture is not None and rupture <= last else None,
        repaired_session=repaired if repaired is not None and repaired <= last else None,
        dropout_session=dropout,
        stopped_checkins=stop if stop is not None and stop <= last else None,
    )
    today = _START + dt.timedelta(weeks=last - 1, days=1)
    series = ClientSeries(
        client=name,
        today=today,
        observations=tuple(observations),
        attendance=tuple(attendance),
        attributes=attributes,
    )
    return SimulatedClient(series=series, truth=truth)


def _outcome_course(
    spec: SimulationSpec, rng: np.random.Generator
) -> tuple[list[float], list[float], int | None]:
    """Observed scores, latent severities and the deterioration onset (if any)."""
    criteria = spec.outcome
    unit = criteria.rule().threshold
    model = default_trajectory(criteria)
    assert criteria.clinical_cutoff is not None
    cutoff = criteria.sign * float(criteria.clinical_cutoff.value)
    low, high = sorted(criteria.sign * v for v in spec.outcome_range)
    intake = float(np.clip(rng.normal(cutoff + unit, 0.8 * unit), low, high))
    band = model.bands[model.band_index(intake)]
    onset = int(rng.integers(2, 6)) if rng.random() < spec.p_deteriorate else None
    slope = 0.0 if onset is not None else rng.normal(band.slope, band.slope_sd)
    # Each score carries the instrument's own measurement error: the SE implied by its
    # reliable change, u = 1.96 * sqrt(2) * SE (Jacobson & Truax 1991).
    error = unit / (1.96 * math.sqrt(2.0))
    latent, observed = [], []
    for session in range(1, spec.sessions + 1):
        ramp = 0.0 if onset is None else min(2 * unit, 0.35 * unit * max(0, session - onset))
        value = intake + slope * math.log(session) + ramp
        latent.append(value)
        noisy = round(value + rng.normal(0.0, error))
        observed.append(criteria.sign * float(np.clip(noisy, low, high)))
    return observed, latent, onset


def _alliance_course(
    spec: SimulationSpec, rng: np.random.Generator
) -> tuple[list[float], int | None, int | None]:
    """Alliance totals, the rupture session and the repair session (if any)."""
    sessions = spec.sessions
    low, high = spec.alliance_range
    level = float(np.clip(rng.normal(37.5, 1.5), 30, high))
    rupture = repaired = None
    if rng.random() < spec.p_rupture:
        rupture = int(rng.integers(3, sessions - 3))
        if rng.random() < spec.p_repair:
            repaired = rupture + int(rng.integers(1, 4))
    drop = rng.uniform(5, 10)
    values = []
    for session in range(1, sessions + 1):
        true = level
        if rupture is not None and session >= rupture:
            if repaired is not None and session >= repaired:
                true = level
            elif repaired is not None:
                true = level - drop / 2 if session > rupture else level - drop
            else:
                true = min(level - 2, level - drop + 0.3 * (session - rupture))
        elif session > 1 and rng.random() < spec.p_blip:
            true = level - rng.uniform(2, 5)
        values.append(float(np.clip(round(true + rng.normal(0.0, 1.0)), low, high)))
    return values, rupture, repaired


def cohort_frame(cohort: Sequence[SimulatedClient]) -> pd.DataFrame:
    """The cohort's observations as a long table: client, instrument, session, score, date."""
    rows = [
        (c.series.client, o.instrument, o.session, o.score, o.date)
        for c in cohort
        for o in c.series.observations
    ]
    return pd.DataFrame(rows, columns=["client", "instrument", "session", "score", "date"])


@dataclass(frozen=True, slots=True)
class DetectorScore:
    """How one detector did on a simulated cohort."""

    detector: str
    condition: str
    with_condition: int
    without_condition: int
    sensitivity: float
    false_alarm_rate: float
    median_sessions: float | None
    timing: str


def _first(signals: Sequence[Signal], kind: str, after: int = 0) -> int | None:
    sessions = [s.session for s in signals if s.kind == kind and s.session >= after]
    return min(sessions) if sessions else None


def _prefix(series: ClientSeries, session: int) -> ClientSeries:
    """The series as it looked the day after ``session``."""
    dates = [a.date for a in series.attendance if a.session == session and a.date]
    today = dates[0] + dt.timedelta(days=1) if dates else series.today
    return ClientSeries(
        client=series.client,
        today=today,
        observations=tuple(o for o in series.observations if o.session <= session),
        attendance=tuple(a for a in series.attendance if a.session <= session),
        attributes=series.attributes,
    )


def _score(
    detector: str,
    condition: str,
    results: Sequence[tuple[bool, int | None, int | None]],
    timing: str,
) -> DetectorScore:
    """``results``: (has condition, first flag session, reference session) per client.

    ``timing`` starting with "lead" counts sessions from the flag to the reference (how
    early the warning came); otherwise sessions from the reference to the flag (delay).
    """
    positives = [r for r in results if r[0]]
    negatives = [r for r in results if not r[0]]
    sign = 1 if timing.startswith("lead") else -1
    leads = [
        sign * (ref - flag) for _, flag, ref in positives if flag is not None and ref is not None
    ]
    return DetectorScore(
        detector=detector,
        condition=condition,
        with_condition=len(positives),
        without_condition=len(negatives),
        sensitivity=_share(r[1] is not None for r in positives),
        false_alarm_rate=_share(r[1] is not None for r in negatives),
        median_sessions=float(np.median(leads)) if leads else None,
        timing=timing,
    )


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else float("nan")


def evaluate_detectors(
    n_clients: int = 2000,
    *,
    spec: SimulationSpec | None = None,
    seed: int = DEFAULT_SEED,
) -> list[DetectorScore]:
    """Sensitivity, false-alarm rate and lead time of each detector on a simulated cohort."""
    spec = spec or default_spec()
    config = spec.config()
    cohort = simulate_cohort(n_clients, spec, seed=seed)
    outcome, alliance = spec.outcome, spec.alliance
    trajectory = config.trajectories[outcome.instrument]
    rows: dict[str, list[tuple[bool, int | None, int | None]]] = {
        key: [] for key in ("det", "not", "rup", "rep", "drop", "feed")
    }
    for client in cohort:
        series, truth = client.series, client.truth
        end = truth.last_session
        change = detect_reliable_change(series, outcome)
        rows["det"].append((truth.deteriorated, _first(change, "reliable_deterioration"), end))
        off = detect_not_on_track(series, trajectory)
        rows["not"].append((truth.failure, _first(off, "not_on_track"), end))
        ruptures = detect_ruptures(series, alliance)
        if truth.rupture_session is not None:
            flag = _first(ruptures, "alliance_rupture", truth.rupture_session)
            hit = flag if flag is not None and flag <= truth.rupture_session + 1 else None
            rows["rup"].append((True, hit, truth.rupture_session))
            rows["rep"].append(
                (
                    truth.repaired_session is not None,
                    _first(ruptures, "alliance_repaired"),
                    truth.repaired_session,
                )
            )
        else:
            rows["rup"].append((False, _first(ruptures, "alliance_rupture"), None))
        rows["drop"].append(_dropout_row(series, truth, config))
        rows["feed"].append(_feedback_row(series, truth, config.feedback))
    return [
        _score("reliable_deterioration", "latent score ends >= 1 RC worse", rows["det"],
               "lead before the end of treatment"),
        _score("not_on_track", "latent score ends no better than intake", rows["not"],
               "lead before the end of treatment"),
        _score("alliance_rupture", "simulated rupture (flag within 1 session)", rows["rup"],
               "delay after the rupture"),
        _score("alliance_repaired", "rupture repaired (vs not), ruptured clients only",
               rows["rep"], "delay after the repair"),
        _score("dropout_risk", "client leaves early", rows["drop"],
               "lead before the first session missed for good"),
        _score("feedback_missing", "client stops answering check-ins", rows["feed"],
               "delay after the first missing check-in"),
    ]  # fmt: skip


def _dropout_row(
    series: ClientSeries, truth: Truth, config: DetectorConfig
) -> tuple[bool, int | None, int | None]:
    flag = None
    for session in range(1, truth.last_session + 1):
        found = detect_dropout_risk(
            _prefix(series, session),
            change=config.change,
            alliance=config.alliance,
            model=config.dropout,
        )
        if found:
            flag = session
            break
    dropped = truth.dropout_session is not None
    return dropped, flag, (truth.last_session + 1) if dropped else None


def _feedback_row(
    series: ClientSeries, truth: Truth, criteria: FeedbackCriteria
) -> tuple[bool, int | None, int | None]:
    flag = None
    for session in range(2, truth.last_session + 1):
        if detect_feedback_missing(_prefix(series, session), criteria):
            flag = session
            break
    return truth.stopped_checkins is not None, flag, truth.stopped_checkins


def scores_table(scores: Sequence[DetectorScore]) -> str:
    """A Markdown table of detector scores."""
    lines = [
        "| detector | condition (truth) | with / without | sensitivity | false alarms "
        "| median timing (sessions) |",
        "|---|---|---|---|---|---|",
    ]
    for s in scores:
        lead = "n/a" if s.median_sessions is None else f"{s.median_sessions:g} ({s.timing})"
        lines.append(
            f"| `{s.detector}` | {s.condition} | {s.with_condition} / {s.without_condition} "
            f"| {s.sensitivity:.0%} | {s.false_alarm_rate:.0%} | {lead} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Print the evaluation table for the default cohort (2,000 clients, fixed seed)."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    spec = default_spec()
    scores = evaluate_detectors(args.clients, spec=spec, seed=args.seed)
    print(f"Simulated cohort: {args.clients} clients, seed {args.seed}\n")
    print(scores_table(scores))
    print()
    print(_calibration_summary(spec, args.clients, args.seed))
    return 0


def _calibration_summary(spec: SimulationSpec, clients: int, seed: int) -> str:
    """How the default and the re-estimated bands fit the same simulated history."""
    from rapport.monitoring.calibration import calibrate

    history = cohort_frame(simulate_cohort(clients, spec, seed=seed))
    result = calibrate(history, spec.outcome)
    return (
        f"Calibration ({result.method}) on {result.training_episodes} episodes, "
        f"{result.heldout_episodes} held out ({result.heldout_observations} scores judged): "
        f"inside the band {result.previous_heldout_coverage:.1%} with the default "
        f"parameters, {result.heldout_coverage:.1%} after calibration "
        f"(nominal {result.nominal_coverage:.0%})."
    )


if __name__ == "__main__":
    raise SystemExit(main())
