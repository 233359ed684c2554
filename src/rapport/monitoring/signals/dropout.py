"""An explainable estimate of the risk that a client ends therapy early.

A logistic model: log-odds = intercept + sum(weight * factor). Each weight has its source
or is marked as a Rapport default; the intercept is set so that the mean risk over a
documented reference population equals the 19.7% base rate (Swift & Greenberg 2012).
Published dropout prediction is modest (best F1 about .51, Giesemann et al. 2023), so the
result is always shown as an estimate with its reasons, never as a verdict.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scipy.optimize import brentq

from rapport.monitoring.signals.alliance import rupture_episodes, superseded
from rapport.monitoring.signals.criteria import EPS, AllianceCriteria, ChangeCriteria
from rapport.monitoring.signals.model import (
    AttendanceRecord,
    CitedValue,
    ClientAttributes,
    ClientSeries,
    Signal,
)
from rapport.monitoring.signals.sources import (
    CHINN_2000,
    EUBANKS_2018,
    GIESEMANN_2023,
    JACOBSON_TRUAX_1991,
    LARSSON_2018,
    RAPPORT_DEFAULT,
    SHARF_2010,
    SWIFT_GREENBERG_2012,
)

__all__ = [
    "BASE_RATE",
    "DEFAULT_DROPOUT_MODEL",
    "REFERENCE_PREVALENCE",
    "ClinicOutcomes",
    "DropoutEstimate",
    "DropoutFactor",
    "DropoutModel",
    "EpisodeAttributes",
    "FactorContribution",
    "risk_band",
    "calibrate_intercept",
    "detect_dropout_risk",
    "dropout_features",
    "early_warning_point",
    "estimate_dropout",
    "population_mean",
    "reference_population",
    "series_as_of",
]

#: Weighted mean dropout across 669 studies (Swift & Greenberg 2012).
BASE_RATE = CitedValue(0.197, SWIFT_GREENBERG_2012)

#: What "dropout" means here, and so when there is no risk of it to flag.
DROPOUT_DEFINITION = (
    f"dropout is the client ending therapy on their own before it is complete, before "
    f"their problems are resolved ({SWIFT_GREENBERG_2012}); recovery is reliable and "
    f"clinically significant change ({JACOBSON_TRUAX_1991})"
)


@dataclass(frozen=True, slots=True)
class EpisodeAttributes(ClientAttributes):
    """:class:`ClientAttributes` with where the episode stands: ``planned_ending`` is true
    while the therapist and client are working towards a planned ending (the "Ending"
    phase). An ending planned together is not a dropout (``DROPOUT_DEFINITION``), so the
    detector raises no dropout risk then. A series built without it (a researcher's CSV)
    is read as not in a planned ending."""

    planned_ending: bool = False


@dataclass(frozen=True, slots=True)
class DropoutFactor:
    """One predictor: its weight (log-odds per unit) and what it means in plain words."""

    name: str
    log_odds: CitedValue
    text: str


@dataclass(frozen=True, slots=True)
class ClinicOutcomes:
    """The ended episodes of one clinic a model was recalibrated on."""

    episodes: int
    dropouts: int

    @property
    def rate(self) -> float:
        """The clinic's observed dropout rate among those episodes."""
        return self.dropouts / self.episodes if self.episodes else 0.0


@dataclass(frozen=True, slots=True)
class DropoutModel:
    """The logistic dropout model and the thresholds at which it raises a signal.

    ``recalibrated_on`` is None for the published model (mean risk 19.7%) and names the
    clinic's ended episodes for one recalibrated on them (``calibration.recalibrate_dropout``),
    so the signal can say whose average it is compared with.
    """

    intercept: CitedValue
    factors: tuple[DropoutFactor, ...]
    signal_threshold: CitedValue
    high_threshold: CitedValue
    young_age_below: CitedValue
    missed_cap: CitedValue
    first_session_index: CitedValue
    recalibrated_on: ClinicOutcomes | None = None

    def factor(self, name: str) -> DropoutFactor:
        for factor in self.factors:
            if factor.name == name:
                return factor
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class FactorContribution:
    name: str
    value: float
    contribution: float
    text: str


@dataclass(frozen=True)
class DropoutEstimate:
    """A probability with the factors that raised it, largest first."""

    probability: float
    factors: tuple[FactorContribution, ...]
    features: Mapping[str, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "probability": round(self.probability, 3),
            "factors": [
                {"name": f.name, "contribution": round(f.contribution, 3), "explanation": f.text}
                for f in self.factors
            ],
        }


# Weights. Sharf et al. (2010) found d = .55 between weaker alliance and dropout; a d
# converts to log-odds as d * pi / sqrt(3) (Chinn 2000): .55 * 1.814 = 1.00. The other
# magnitudes are Rapport defaults with the direction taken from the cited work; a clinic
# with enough of its own data re-calibrates them (calibration.recalibrate_dropout).
_FACTORS = (
    DropoutFactor(
        "weak_alliance",
        CitedValue(1.00, f"{SHARF_2010} d = .55 converted with {CHINN_2000}"),
        "the last relationship rating was below the alert threshold",
    ),
    DropoutFactor(
        "falling_alliance",
        CitedValue(0.50, f"{RAPPORT_DEFAULT}; unrepaired ruptures: {LARSSON_2018} {EUBANKS_2018}"),
        "the relationship rating dropped and has not come back",
    ),
    DropoutFactor(
        "missed_appointments",
        CitedValue(
            0.35,
            f"{RAPPORT_DEFAULT}: per appointment the client missed or cancelled, up to 3",
        ),
        "appointments the client missed or cancelled",
    ),
    DropoutFactor(
        "no_improvement",
        CitedValue(0.40, f"{RAPPORT_DEFAULT}: no early improvement, from session 3"),
        "no improvement on the outcome measure since intake",
    ),
    DropoutFactor(
        "mandated",
        CitedValue(0.40, f"{RAPPORT_DEFAULT}: mandated attendance"),
        "attendance is mandated rather than chosen",
    ),
    DropoutFactor(
        "young_age",
        CitedValue(0.40, f"direction: {SWIFT_GREENBERG_2012}; size: {RAPPORT_DEFAULT}"),
        "younger clients leave early more often",
    ),
    DropoutFactor(
        "trainee_therapist",
        CitedValue(0.40, f"direction: {SWIFT_GREENBERG_2012}; size: {RAPPORT_DEFAULT}"),
        "clients of trainee therapists leave early more often",
    ),
)

#: Share of clients with each factor in the reference population used to set the
#: intercept (Rapport defaults, roughly a mixed outpatient caseload). Missed appointments
#: is a count: {count: share}.
REFERENCE_PREVALENCE: Mapping[str, Any] = {
    "weak_alliance": 0.25,
    "falling_alliance": 0.10,
    "missed_appointments": {0: 0.55, 1: 0.25, 2: 0.12, 3: 0.08},
    "no_improvement": 0.35,
    "mandated": 0.10,
    "young_age": 0.20,
    "trainee_therapist": 0.25,
}

#: Solved with calibrate_intercept(..., reference_population(), 0.197); a test re-solves it.
_INTERCEPT = -2.4437

DEFAULT_DROPOUT_MODEL = DropoutModel(
    intercept=CitedValue(
        _INTERCEPT,
        f"set so the reference population's mean risk is 19.7% ({SWIFT_GREENBERG_2012})",
    ),
    factors=_FACTORS,
    signal_threshold=CitedValue(
        0.30, f"{RAPPORT_DEFAULT}: about one and a half times the 19.7% base rate"
    ),
    high_threshold=CitedValue(0.50, f"{RAPPORT_DEFAULT}: more likely to leave than to stay"),
    young_age_below=CitedValue(25, f"{RAPPORT_DEFAULT}; younger age: {SWIFT_GREENBERG_2012}"),
    missed_cap=CitedValue(3, RAPPORT_DEFAULT),
    first_session_index=CitedValue(3, f"{RAPPORT_DEFAULT}: improvement is judged by session 3"),
)


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def reference_population() -> list[tuple[dict[str, float], float]]:
    """Every combination of factors with its weight (independent prevalences)."""
    binary = [name for name, share in REFERENCE_PREVALENCE.items() if not isinstance(share, dict)]
    counts: Mapping[int, float] = REFERENCE_PREVALENCE["missed_appointments"]
    population = []
    for flags in itertools.product((0, 1), repeat=len(binary)):
        weight = 1.0
        for name, flag in zip(binary, flags, strict=True):
            share = float(REFERENCE_PREVALENCE[name])
            weight *= share if flag else 1.0 - share
        for missed, share in counts.items():
            features = {name: float(flag) for name, flag in zip(binary, flags, strict=True)}
            features["missed_appointments"] = float(missed)
            population.append((features, weight * share))
    return population


def _linear(model: DropoutModel, features: Mapping[str, float]) -> float:
    total = float(model.intercept.value)
    for factor in model.factors:
        total += float(factor.log_odds.value) * features.get(factor.name, 0.0)
    return total


def population_mean(
    model: DropoutModel, population: Iterable[tuple[Mapping[str, float], float]]
) -> float:
    """Weighted mean probability of dropout over a population."""
    total = weight_sum = 0.0
    for features, weight in population:
        total += weight * _logistic(_linear(model, features))
        weight_sum += weight
    return total / weight_sum


def calibrate_intercept(
    model: DropoutModel,
    population: Iterable[tuple[Mapping[str, float], float]],
    target: float = float(BASE_RATE.value),
) -> DropoutModel:
    """The same model with the intercept moved so the population mean equals ``target``."""
    people = list(population)

    def gap(intercept: float) -> float:
        trial = replace(model, intercept=CitedValue(intercept, model.intercept.source))
        return population_mean(trial, people) - target

    intercept = float(brentq(gap, -20.0, 20.0, xtol=1e-10))
    return replace(model, intercept=CitedValue(intercept, model.intercept.source))


def dropout_features(
    series: ClientSeries,
    *,
    change: Mapping[str, ChangeCriteria],
    alliance: Mapping[str, AllianceCriteria],
    model: DropoutModel = DEFAULT_DROPOUT_MODEL,
) -> dict[str, float]:
    """The factor values for one client as of the latest session (0/1, or a count)."""
    attributes = series.attributes
    young = attributes.age is not None and attributes.age < float(model.young_age_below.value)
    # The series holds only the client's no-shows and cancellations (and those whose
    # canceller was not recorded): one the therapist or the clinic called off is left out
    # when the series is built (monitoring.series), as it says nothing about the client.
    missed = sum(1 for a in series.attendance if a.status != "attended")
    return {
        "weak_alliance": float(_weak_alliance(series, alliance)),
        "falling_alliance": float(_falling_alliance(series, alliance)),
        "missed_appointments": float(min(missed, int(model.missed_cap.value))),
        "no_improvement": float(_no_improvement(series, change, model)),
        "mandated": float(bool(attributes.mandated)),
        "young_age": float(young),
        "trainee_therapist": float(bool(attributes.trainee_therapist)),
    }


def early_warning_point(
    series: ClientSeries, model: DropoutModel = DEFAULT_DROPOUT_MODEL
) -> AttendanceRecord | None:
    """The attended session as of which an *ended* episode's factors are read to recalibrate
    the model: the third attended session (``first_session_index``), else the last attended
    one; None when the client attended none.

    Why there: the model is an early warning, used while the client still comes, and the
    third session is where all its factors can first be judged (no improvement is judged
    from session 3; Hannan et al. 2005 flagged most failing clients by then). Reading an
    ended episode at its end would leak the outcome: a client who has decided to leave
    stops coming, so missed appointments and "no improvement" pile up *after* the decision,
    and a model fitted on that state would learn the dropout from its consequences.
    """
    attended = [record for record in series.attendance if record.status == "attended"]
    if not attended:
        return None
    return attended[min(len(attended), int(model.first_session_index.value)) - 1]


def series_as_of(series: ClientSeries, point: AttendanceRecord) -> ClientSeries:
    """The series as it stood at the end of ``point``'s day: scores and appointments of
    later sessions are dropped, and so are those of its own session or before that are
    dated after that day (an appointment missed after session 3 is numbered 3, as is a
    score answered weeks later; neither was known then). ``today`` becomes that day.
    Records without a date are cut by session alone."""
    day = point.date

    def known(session: int, date: dt.date | None) -> bool:
        return session <= point.session and (day is None or date is None or date <= day)

    return replace(
        series,
        today=day or series.today,
        observations=tuple(o for o in series.observations if known(o.session, o.date)),
        attendance=tuple(a for a in series.attendance if known(a.session, a.date)),
        expected_checkins=tuple(e for e in series.expected_checkins if known(e.session, e.date)),
    )


def _weak_alliance(series: ClientSeries, alliance: Mapping[str, AllianceCriteria]) -> bool:
    latest = None
    for criteria in alliance.values():
        observations = series.of(criteria.instrument)
        if criteria.low_threshold is None or not observations:
            continue
        last = observations[-1]
        if latest is None or last.session > latest[0]:
            latest = (last.session, last.score < float(criteria.low_threshold.value))
    return bool(latest and latest[1])


def _falling_alliance(series: ClientSeries, alliance: Mapping[str, AllianceCriteria]) -> bool:
    """The latest rupture was not repaired and the rating is still below its old level, on
    a measure still in use (``superseded``: a clinic that moved from the check-in to the
    SRS does not carry the check-in's last rupture for the rest of the episode)."""
    for criteria in alliance.values():
        observations = series.of(criteria.instrument)
        if superseded(series, criteria.instrument, alliance, int(criteria.repair_window.value)):
            continue
        episodes = rupture_episodes(observations, criteria)
        if not episodes or episodes[-1].repaired_session is not None:
            continue
        tolerance = float(criteria.repair_tolerance.value)
        if observations[-1].score < episodes[-1].level - tolerance - EPS:
            return True
    return False


def _no_improvement(
    series: ClientSeries, change: Mapping[str, ChangeCriteria], model: DropoutModel
) -> bool:
    """No outcome measure has improved at all since intake, judged from session 3 on."""
    judged = []
    for criteria in change.values():
        observations = series.of(criteria.instrument)
        if len(observations) < 2:
            continue
        intake, last = observations[0], observations[-1]
        if last.session - intake.session + 1 < int(model.first_session_index.value):
            continue
        judged.append(criteria.sign * (intake.score - last.score) > 0)
    return bool(judged) and not any(judged)


def estimate_dropout(
    features: Mapping[str, float], model: DropoutModel = DEFAULT_DROPOUT_MODEL
) -> DropoutEstimate:
    """Probability of dropout and the factors that raised it, largest first."""
    contributions = [
        FactorContribution(
            name=factor.name,
            value=features.get(factor.name, 0.0),
            contribution=float(factor.log_odds.value) * features.get(factor.name, 0.0),
            text=factor.text,
        )
        for factor in model.factors
    ]
    raising = sorted(
        (c for c in contributions if c.contribution > 0), key=lambda c: -c.contribution
    )
    return DropoutEstimate(
        probability=_logistic(_linear(model, features)),
        factors=tuple(raising),
        features=dict(features),
    )


def detect_dropout_risk(
    series: ClientSeries,
    *,
    change: Mapping[str, ChangeCriteria],
    alliance: Mapping[str, AllianceCriteria],
    model: DropoutModel = DEFAULT_DROPOUT_MODEL,
) -> tuple[Signal, ...]:
    """A ``dropout_risk`` signal at the latest session when the estimate is high enough."""
    session = series.latest_session
    if session is None:
        return ()
    if getattr(series.attributes, "planned_ending", False):
        # Ending together as planned is not dropping out (DROPOUT_DEFINITION): a missed
        # session or a lower rating now is part of the ending, for the ending's review.
        return ()
    outcome = _outcome_now(series, change)
    if outcome is not None and outcome[0] == "recovered":
        # Reliably and clinically significantly better: an ending now would be one after
        # the outcome therapy aims for, not before it (DROPOUT_DEFINITION).
        return ()
    features = dropout_features(series, change=change, alliance=alliance, model=model)
    estimate = estimate_dropout(features, model)
    if estimate.probability < float(model.signal_threshold.value):
        return ()
    return (_signal(model, estimate, session, improved=outcome),)


def _outcome_now(
    series: ClientSeries, change: Mapping[str, ChangeCriteria]
) -> tuple[str, ChangeCriteria, float, float] | None:
    """Where the client stands on their outcome measures at their latest scores:
    ("recovered", ...) when every measure that can show recovery (a cut-off, a clinical
    intake) shows it and none is reliably worse; ("improved", ...) when at least one is
    reliably better and none reliably worse; None otherwise. The criteria, intake and
    latest score of the measure that says so come with it (for the explanation)."""
    recovered: list[tuple[ChangeCriteria, float, float]] = []
    improved: list[tuple[ChangeCriteria, float, float]] = []
    can_recover = 0
    for criteria in change.values():
        observations = series.of(criteria.instrument)
        if len(observations) < 2:
            continue
        intake, last = observations[0].score, observations[-1].score
        gain = criteria.sign * (intake - last)
        reliable = bool(criteria.rule().is_reliable(gain))
        if reliable and gain < 0:
            return None  # reliably worse on one measure: no reassurance from another
        clinical_intake = criteria.clinical_cutoff is not None and bool(
            criteria.is_clinical(intake)
        )
        if clinical_intake:
            can_recover += 1
        if reliable and gain > 0:
            improved.append((criteria, intake, last))
            if clinical_intake and not criteria.is_clinical(last):
                recovered.append((criteria, intake, last))
    if recovered and len(recovered) == can_recover:
        return ("recovered", *recovered[0])
    if improved:
        return ("improved", *improved[0])
    return None


def risk_band(probability: float, model: DropoutModel = DEFAULT_DROPOUT_MODEL) -> str:
    """The estimate in words: "much higher than usual" from the high threshold, "higher
    than usual" from the signal threshold, else "not raised"."""
    if probability >= float(model.high_threshold.value):
        return "much higher than usual"
    if probability >= float(model.signal_threshold.value):
        return "higher than usual"
    return "not raised"


def _average(model: DropoutModel) -> str:
    """Whose average the estimate is compared with: the published base rate, or the
    clinic's own once the model was recalibrated on its ended episodes."""
    clinic = model.recalibrated_on
    if clinic is None:
        return "the average is about 20%"
    return (
        f"in this clinic about {clinic.rate:.0%} of clients end therapy early; the estimate "
        f"is recalibrated on {clinic.episodes} of its ended episodes"
    )


def _signal(
    model: DropoutModel,
    estimate: DropoutEstimate,
    session: int,
    improved: tuple[str, ChangeCriteria, float, float] | None = None,
) -> Signal:
    above_high = estimate.probability >= float(model.high_threshold.value)
    # Reliably better but not recovered: still short of the goals, so the risk stays worth
    # a conversation, but not a high-priority alert beside the improvement. The band still
    # says what the estimate is: only the priority is lowered, and the card says why.
    high = above_high and improved is None
    band = risk_band(
        model.high_threshold.value if above_high else model.signal_threshold.value, model
    )
    reasons = "; ".join(f.text for f in estimate.factors) or "no single factor stands out"
    clinic = model.recalibrated_on
    # The published model's weights are mostly Rapport defaults (design choices, not
    # fitted to any data) and its intercept is set on a made-up reference population, so
    # its number is a ranking, not a calibrated chance: only a model recalibrated on the
    # clinic's own ended episodes gives a percentage (docs/monitoring.md, Dropout risk).
    calibrated = clinic is not None
    local = (
        {"clinic_dropout_rate": round(clinic.rate, 3), "recalibrated_on_episodes": clinic.episodes}
        if clinic is not None
        else {}
    )
    shown = estimate.as_dict()
    if not calibrated:
        del shown["probability"]
    if calibrated:
        chance = (
            f"Chance of ending therapy early: {band}, about {estimate.probability:.0%} "
            f"({_average(model)})."
        )
    else:
        chance = (
            f"Chance of ending therapy early: {band} ({_average(model)}). No percentage is "
            f"given: most of the model's weights are Rapport defaults, not yet calibrated on "
            f"this clinic's own endings."
        )
    better = ""
    if improved is not None:
        _, criteria, intake, last = improved
        better = (
            f" The client is reliably better on the {criteria.name} ({intake:g} to {last:g}), "
            f"so the priority is kept at medium."
        )
    return Signal(
        kind="dropout_risk",
        severity="high" if high else "medium",
        session=session,
        evidence={
            **shown,
            "band": band,
            "base_rate": BASE_RATE.value,
            **local,
            "threshold": model.signal_threshold.value,
            "high_threshold": model.high_threshold.value,
            "intercept": model.intercept.value,
            **({"reliably_improved_on": improved[1].instrument} if improved else {}),
            "rule": "logistic model: intercept + sum(weight * factor); signal at or above "
            f"{model.signal_threshold.value:.0%}; none in a planned ending or once recovered "
            f"({DROPOUT_DEFINITION})",
        },
        explanation=(
            f"{chance} This is an estimate, not a certainty: published "
            f"dropout prediction is modest (best F1 about .51, Giesemann et al. 2023). "
            f"Reasons: {reasons}.{better} Talk with the client about how therapy is going "
            f"for them."
        ),
        source=f"{model.intercept.source}; {SHARF_2010}; {GIESEMANN_2023}",
    )
