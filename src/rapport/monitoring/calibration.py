"""Re-estimate the expected-response bands (and the dropout model) from a clinic's history.

``calibrate`` fits, per intake-severity band, the log-linear course of Finch, Lambert &
Schaalje (2001) as a linear mixed model (statsmodels ``MixedLM``)::

    severity_t - severity_intake = beta * ln(t) + u0 + u1 * ln(t) + e

with a random intercept (the intake's own measurement error) and a random slope per
episode. The band's ``slope`` is beta, ``slope_sd`` is sd(u1) and ``residual_sd`` is
sqrt(var(u0) + var(e)) (their covariance is ignored: the reported held-out coverage shows
what that costs). It runs only with at least ``min_episodes`` episodes of at least
``min_observations`` scores; bands with too few episodes keep the previous parameters, and
the model's source names the re-estimated bands, so the others keep citing where their
figures came from. When no band was re-estimated the model is the previous one, source and
all (``CalibrationResult.bands_fitted`` is 0): there is nothing of the clinic's to store.
A quarter of the episodes is held out, and the result reports the share of held-out scores
inside the band next to the nominal share (90% for the default z = 1.2816), for both the
previous and the re-estimated model, so a clinic can see whether the new bands fit better.

``recalibrate_dropout`` re-scales the dropout model to a clinic's own outcomes (logistic
recalibration of the model's log-odds, Platt scaling), again only with enough data; the
features of each ended episode are read as of its early-warning point
(``signals.early_warning_point``, see ``monitoring.dropout_calibration``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import norm

from rapport.monitoring.signals.criteria import (
    EPS,
    ChangeCriteria,
    TrajectoryBand,
    TrajectoryModel,
    default_trajectory,
)
from rapport.monitoring.signals.dropout import (
    DEFAULT_DROPOUT_MODEL,
    ClinicOutcomes,
    DropoutFactor,
    DropoutModel,
)
from rapport.monitoring.signals.errors import MonitoringError, NotEnoughDataError
from rapport.monitoring.signals.model import CitedValue

__all__ = [
    "BandFit",
    "CalibrationResult",
    "DropoutRecalibration",
    "calibrate",
    "recalibrate_dropout",
]

METHOD = "statsmodels MixedLM (REML), random intercept and slope on ln(session index)"


@dataclass(frozen=True, slots=True)
class BandFit:
    """The estimate for one intake band (``fitted`` is False when it kept the old values)."""

    name: str
    episodes: int
    observations: int
    fitted: bool
    slope: float
    slope_sd: float
    residual_sd: float


@dataclass(frozen=True)
class CalibrationResult:
    """The re-estimated model and how well its band fits held-out episodes."""

    model: TrajectoryModel
    method: str
    episodes: int
    training_episodes: int
    heldout_episodes: int
    heldout_observations: int
    bands: tuple[BandFit, ...]
    nominal_coverage: float
    heldout_coverage: float
    previous_heldout_coverage: float
    #: Training episodes a band needs before it is re-estimated.
    min_band_episodes: int

    @property
    def bands_fitted(self) -> int:
        """How many intake bands were re-estimated from the clinic's episodes."""
        return sum(band.fitted for band in self.bands)


def calibrate(
    history: pd.DataFrame,
    criteria: ChangeCriteria,
    *,
    base: TrajectoryModel | None = None,
    min_episodes: int = 50,
    min_observations: int = 3,
    min_band_episodes: int = 20,
    holdout: float = 0.25,
    seed: int = 0,
) -> CalibrationResult:
    """Re-estimate ``base`` (default: ``default_trajectory(criteria)``) from ``history``.

    ``history`` has columns ``episode`` (or ``client``), ``session`` and ``score``, plus
    optionally ``instrument`` (then only ``criteria.instrument`` rows are used).
    """
    base = base or default_trajectory(criteria)
    frame = _prepare(history, criteria, base)
    sizes = frame.groupby("episode").size()
    eligible = sizes[sizes >= min_observations].index
    if len(eligible) < min_episodes:
        raise NotEnoughDataError(
            f"Not enough data to calibrate {criteria.instrument}: {len(eligible)} episodes "
            f"with at least {min_observations} scores, {min_episodes} needed. The default "
            f"bands stay in use.",
            needed=min_episodes,
            found=len(eligible),
        )
    frame = frame[frame["episode"].isin(eligible)]
    rng = np.random.default_rng(seed)
    episodes = np.array(sorted(eligible, key=str), dtype=object)
    held = set(
        rng.choice(episodes, size=max(1, int(round(holdout * len(episodes)))), replace=False)
    )
    test = frame[frame["episode"].isin(held)]
    train = frame[~frame["episode"].isin(held)]
    fits = tuple(
        _fit_band(train[train["band"] == i], band, min_band_episodes)
        for i, band in enumerate(base.bands)
    )
    model = replace(
        base,
        bands=tuple(
            TrajectoryBand(old.name, old.intake_from, f.slope, f.slope_sd, f.residual_sd)
            for old, f in zip(base.bands, fits, strict=True)
        ),
        source=_source(fits, base, len(episodes) - len(held)),
    )
    judged = test[test["index"] >= int(base.first_session_index.value)]
    return CalibrationResult(
        model=model,
        method=METHOD,
        episodes=len(episodes),
        training_episodes=len(episodes) - len(held),
        heldout_episodes=len(held),
        heldout_observations=len(judged),
        bands=fits,
        nominal_coverage=float(norm.cdf(float(base.tolerance_z.value))),
        heldout_coverage=_coverage(judged, model),
        previous_heldout_coverage=_coverage(judged, base),
        min_band_episodes=min_band_episodes,
    )


def _source(fits: Sequence[BandFit], base: TrajectoryModel, training: int) -> str:
    """Where the model's figures come from: the clinic's episodes for the re-estimated bands
    only. A band that kept its parameters still holds the previous model's figures (the
    published defaults of Finch et al. 2001 at first); citing the clinic for it would claim
    a local estimate nobody made."""
    fitted = [fit.name for fit in fits if fit.fitted]
    if not fitted:
        return base.source
    clinic = f"calibrated on {training} episodes of this clinic ({METHOD})"
    if len(fitted) == len(fits):
        return clinic
    names = ", ".join(f"'{name}'" for name in fitted)
    return f"Intake bands {names}: {clinic}. Other intake bands: {base.source}"


def _prepare(
    history: pd.DataFrame, criteria: ChangeCriteria, base: TrajectoryModel
) -> pd.DataFrame:
    key = "episode" if "episode" in history.columns else "client"
    missing = [c for c in (key, "session", "score") if c not in history.columns]
    if missing:
        raise MonitoringError("calibrate needs columns episode (or client), session, score")
    frame = history
    if "instrument" in frame.columns:
        frame = frame[frame["instrument"] == criteria.instrument]
    frame = frame[[key, "session", "score"]].rename(columns={key: "episode"})
    frame = frame.dropna().sort_values(["episode", "session"], kind="stable")
    severity = criteria.sign * frame["score"].astype(float)
    first = frame.groupby("episode")["session"].transform("first")
    intake = severity.groupby(frame["episode"]).transform("first")
    starts = np.array([b.intake_from for b in base.bands])
    return frame.assign(
        severity=severity,
        intake=intake,
        change=severity - intake,
        index=frame["session"] - first + 1,
        band=np.searchsorted(starts, intake.to_numpy(), side="right") - 1,
    )


def _fit_band(data: pd.DataFrame, band: TrajectoryBand, min_episodes: int) -> BandFit:
    later = data[data["index"] >= 2]
    episodes = int(later["episode"].nunique())
    keep = BandFit(
        band.name, episodes, len(later), False, band.slope, band.slope_sd, band.residual_sd
    )
    if episodes < min_episodes:
        return keep
    from statsmodels.regression.mixed_linear_model import MixedLM

    log_t = np.log(later["index"].to_numpy(dtype=float))
    exog_re = np.column_stack([np.ones_like(log_t), log_t])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = MixedLM(
                later["change"].to_numpy(dtype=float),
                log_t[:, None],
                groups=later["episode"].astype(str).to_numpy(),
                exog_re=exog_re,
            ).fit(reml=True)
    except (np.linalg.LinAlgError, ValueError):
        return keep
    cov = np.asarray(result.cov_re)
    slope = float(np.asarray(result.fe_params)[0])
    residual = float(np.sqrt(max(float(result.scale), 0.0) + max(cov[0, 0], 0.0)))
    if not np.isfinite([slope, residual, cov[1, 1]]).all():
        return keep
    return BandFit(
        band.name,
        episodes,
        len(later),
        True,
        slope,
        float(np.sqrt(max(cov[1, 1], 0.0))),
        residual,
    )


def _coverage(judged: pd.DataFrame, model: TrajectoryModel) -> float:
    """Share of scores at or inside the tolerance bound."""
    if judged.empty:
        return float("nan")
    bands = judged["band"].to_numpy()
    slope = np.array([b.slope for b in model.bands])[bands]
    slope_sd = np.array([b.slope_sd for b in model.bands])[bands]
    residual = np.array([b.residual_sd for b in model.bands])[bands]
    log_t = np.log(judged["index"].to_numpy(dtype=float))
    spread = np.sqrt((slope_sd * log_t) ** 2 + residual**2)
    bound = judged["intake"].to_numpy() + slope * log_t + float(model.tolerance_z.value) * spread
    return float(np.mean(judged["severity"].to_numpy() <= bound + EPS))


@dataclass(frozen=True)
class DropoutRecalibration:
    """The re-scaled model, the fitted recalibration line and what it predicts on average."""

    model: DropoutModel
    intercept_shift: float
    slope: float
    episodes: int
    events: int
    #: Mean probability over the episodes it was fitted on, for the new and the given model.
    mean_predicted: float
    previous_mean_predicted: float
    #: True when only the intercept was fitted (the slope kept at 1): see recalibrate_dropout.
    intercept_only: bool = False

    @property
    def observed_rate(self) -> float:
        return self.events / self.episodes


PLATT = "Platt scaling"


def recalibrate_dropout(
    features: Sequence[Mapping[str, float]],
    dropped_out: Sequence[bool],
    model: DropoutModel = DEFAULT_DROPOUT_MODEL,
    *,
    min_episodes: int = 200,
    min_events: int = 20,
) -> DropoutRecalibration:
    """Platt-scale the model to a clinic's outcomes: logit(p) = a + b * model log-odds.

    Every weight is multiplied by b and the intercept becomes a + b * intercept, so the
    factors keep their meaning and order; only their size and the base rate adapt. A fit
    with an intercept makes the mean predicted probability over these episodes equal their
    observed dropout rate, which is what "calibrated to the clinic's own data" means here.

    When the slope cannot be estimated, or comes out at zero or below, only the intercept
    is fitted (b = 1): every episode with the same factors (a clinic that records no
    measures) leaves nothing to scale them by, and a negative b would turn "weak alliance
    raises the risk" into its opposite on the strength of one clinic's sample, against the
    published direction (Sharf et al. 2010). The base rate still becomes the clinic's.
    """
    outcomes = np.asarray(dropped_out, dtype=float)
    events = int(outcomes.sum())
    if len(outcomes) != len(features):
        raise MonitoringError("features and outcomes must have the same length")
    if len(outcomes) < min_episodes or min(events, len(outcomes) - events) < min_events:
        raise NotEnoughDataError(
            f"Not enough data to recalibrate the dropout model: {len(outcomes)} ended "
            f"episodes with {events} dropouts; need {min_episodes} episodes and {min_events} "
            f"of each outcome.",
            needed=min_episodes,
            found=len(outcomes),
        )
    weights = {f.name: float(f.log_odds.value) for f in model.factors}
    base = float(model.intercept.value)
    linear = np.array(
        [base + sum(w * row.get(name, 0.0) for name, w in weights.items()) for row in features]
    )
    fitted = _platt(outcomes, linear)
    intercept_only = fitted is None
    shift, slope = fitted if fitted is not None else (_intercept_only(outcomes, linear), 1.0)
    how = f"{PLATT}, intercept only" if intercept_only else PLATT
    source = f"recalibrated on {len(outcomes)} episodes of this clinic ({how})"
    new = replace(
        model,
        intercept=CitedValue(shift + slope * base, source),
        factors=tuple(
            replace(f, log_odds=CitedValue(slope * float(f.log_odds.value), _scaled(f, source)))
            for f in model.factors
        ),
        recalibrated_on=ClinicOutcomes(episodes=len(outcomes), dropouts=events),
    )
    return DropoutRecalibration(
        model=new,
        intercept_shift=shift,
        slope=slope,
        episodes=len(outcomes),
        events=events,
        mean_predicted=float(np.mean(_expit(shift + slope * linear))),
        previous_mean_predicted=float(np.mean(_expit(linear))),
        intercept_only=intercept_only,
    )


def _scaled(factor: DropoutFactor, source: str) -> str:
    """The new weight's source keeps the old one: the factor's direction and relative size
    still come from it."""
    return f"{source}, from {float(factor.log_odds.value):.2f} ({factor.log_odds.source})"


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _platt(outcomes: np.ndarray, linear: np.ndarray) -> tuple[float, float] | None:
    """(a, b) of logit(p) = a + b * linear, or None when no usable positive b was found."""
    from statsmodels.discrete.discrete_model import Logit

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = Logit(outcomes, np.column_stack([np.ones_like(linear), linear])).fit(disp=0)
    except (np.linalg.LinAlgError, ValueError):
        return None  # every episode has the same log-odds: nothing to scale
    shift, slope = (float(v) for v in np.asarray(fit.params))
    converged = bool(fit.mle_retvals.get("converged", True))
    if not (converged and np.isfinite([shift, slope]).all() and slope > 0):
        return None
    return shift, slope


def _intercept_only(outcomes: np.ndarray, linear: np.ndarray) -> float:
    """a of logit(p) = a + linear: the model's factors as published, the clinic's base rate."""
    from statsmodels.discrete.discrete_model import Logit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = Logit(outcomes, np.ones((len(outcomes), 1)), offset=linear).fit(disp=0)
    return float(np.asarray(fit.params)[0])
