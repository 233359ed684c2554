"""A clinic's own dropout model: its ended episodes in, a recalibrated model stored and read.

The published model is set to the 19.7% base rate (Swift & Greenberg 2012); DESIGN.md §4
asks for it "unless the clinic's own data show otherwise". ``rapport calibrate`` gathers,
for each ended episode of a clinic, the detector's own factor values (``dropout_features``)
as of the episode's early-warning point and whether it ended in dropout, Platt-scales the
published model to them (``calibration.recalibrate_dropout``) and stores the result
(``services.dropout_calibration_store``). ``clinic_dropout_model`` reads it back for the
detectors.

* ``dropout_model_to_json`` / ``dropout_model_from_json``: what a recalibration changes (the
  intercept and each factor's weight, with their sources, and the episodes it was fitted
  on); thresholds and wording stay the published model's.
* ``clinic_dropout_model`` / ``clinic_dropout_models``: the newest stored model per clinic.
* ``ended_outcome``, ``early_warning_features`` and ``DropoutHistory``: the data to fit on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from rapport.clinic.models import EndReason, Episode
from rapport.monitoring.series import EpisodeSeries, detector_config, youngest_age
from rapport.monitoring.signals import (
    DEFAULT_DROPOUT_MODEL,
    CitedValue,
    ClinicOutcomes,
    DropoutModel,
    dropout_features,
    early_warning_point,
    series_as_of,
)

__all__ = [
    "DropoutHistory",
    "clinic_dropout_model",
    "clinic_dropout_models",
    "dropout_model_from_json",
    "dropout_model_to_json",
    "early_warning_features",
    "ended_outcome",
    "same_weights",
]


def _cited(value: CitedValue) -> dict[str, Any]:
    return {"value": float(value.value), "source": value.source}


def dropout_model_to_json(model: DropoutModel) -> dict[str, Any]:
    clinic = model.recalibrated_on
    return {
        "intercept": _cited(model.intercept),
        "factors": [
            {"name": factor.name, "log_odds": _cited(factor.log_odds)} for factor in model.factors
        ],
        "recalibrated_on": (
            None if clinic is None else {"episodes": clinic.episodes, "dropouts": clinic.dropouts}
        ),
    }


def _cited_from(data: dict[str, Any]) -> CitedValue:
    value = data["value"]
    # A weight that is not a finite number would break every alert of the clinic later.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("a stored dropout weight is not a number")
    return CitedValue(float(value), str(data["source"]))


def dropout_model_from_json(
    data: dict[str, Any], base: DropoutModel = DEFAULT_DROPOUT_MODEL
) -> DropoutModel:
    """``base`` with the stored intercept and weights. Raises ValueError when the stored
    factors are not ``base``'s: weights fitted on other predictors do not apply to these."""
    weights = {item["name"]: _cited_from(item["log_odds"]) for item in data["factors"]}
    if set(weights) != {factor.name for factor in base.factors}:
        raise ValueError("the stored dropout factors are not the model's")
    clinic = data.get("recalibrated_on")
    return replace(
        base,
        intercept=_cited_from(data["intercept"]),
        factors=tuple(replace(f, log_odds=weights[f.name]) for f in base.factors),
        recalibrated_on=None if clinic is None else ClinicOutcomes(**clinic),
    )


def same_weights(a: DropoutModel, b: DropoutModel, tolerance: float = 1e-9) -> bool:
    """Whether two models give every client the same probability."""
    if abs(float(a.intercept.value) - float(b.intercept.value)) > tolerance:
        return False
    weights = {f.name: float(f.log_odds.value) for f in b.factors}
    return all(
        f.name in weights and abs(float(f.log_odds.value) - weights[f.name]) <= tolerance
        for f in a.factors
    ) and len(weights) == len(a.factors)


def clinic_dropout_models(clinic_ids: Iterable[int | None]) -> dict[int, DropoutModel]:
    """The newest readable stored model of each of these clinics that has one (one query).

    A clinic without one uses the published model; an unreadable row is passed over for the
    one before it (and, failing all, the published model) rather than breaking the alerts.
    """
    from rapport.monitoring.models import DropoutCalibration

    ids = {pk for pk in clinic_ids if pk is not None}
    if not ids:
        return {}
    models: dict[int, DropoutModel] = {}
    for clinic_id, parameters in (
        DropoutCalibration.objects.filter(clinic_id__in=ids)
        .order_by("clinic_id", "-created_at", "-pk")
        .values_list("clinic_id", "parameters")
    ):
        if clinic_id in models:
            continue
        try:
            models[clinic_id] = dropout_model_from_json(parameters)
        except (KeyError, TypeError, ValueError):
            continue
    return models


def clinic_dropout_model(clinic_id: int | None) -> DropoutModel | None:
    """The clinic's newest stored dropout model, or None: the published one applies."""
    if clinic_id is None:
        return None
    return clinic_dropout_models([clinic_id]).get(clinic_id)


def ended_outcome(episode: Episode) -> bool | None:
    """True when the episode ended in dropout, False when it ended otherwise, None when it
    has not ended or no end reason was recorded: counting an unknown ending as "stayed"
    would push the clinic's rate down."""
    if episode.ended_on is None or not episode.end_reason:
        return None
    return episode.end_reason == EndReason.DROPPED_OUT


def early_warning_features(item: EpisodeSeries) -> dict[str, float] | None:
    """The dropout detector's factor values for an ended episode as of its early-warning
    point (its third attended session, else its last; ``signals.early_warning_point`` says
    why), or None when the client attended no session.

    Nothing after that point is read (``signals.series_as_of``): not the appointments
    missed on the way out, nor scores given later. The age is the age on that day, not
    today's (an episode that ended years ago was a younger client's). The trainee factor
    is the exception: it is the client's current therapist's flag today, because nothing
    records it per episode (docs/monitoring.md, Dropout risk, says what that costs).
    """
    point = early_warning_point(item.series, DEFAULT_DROPOUT_MODEL)
    if point is None:
        return None
    series = series_as_of(item.series, point)
    age = youngest_age(item.episode.client.birth_year, series.today)
    series = replace(series, attributes=replace(series.attributes, age=age))
    config = detector_config(series.instruments, checkin=item.checkin_instrument)
    return dropout_features(
        series, change=config.change, alliance=config.alliance, model=DEFAULT_DROPOUT_MODEL
    )


@dataclass
class DropoutHistory:
    """A clinic's ended episodes as the recalibration reads them."""

    features: list[dict[str, float]] = field(default_factory=list)
    dropped_out: list[bool] = field(default_factory=list)
    #: Ended episodes left out because the client attended no session: there is no point
    #: at which the early warning would have been used, and none to read them at.
    never_attended: int = 0

    def add(self, item: EpisodeSeries) -> None:
        outcome = ended_outcome(item.episode)
        if outcome is None:
            return
        features = early_warning_features(item)
        if features is None:
            self.never_attended += 1
            return
        self.features.append(features)
        self.dropped_out.append(outcome)
