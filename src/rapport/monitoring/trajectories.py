"""Store and read a clinic's calibrated expected-response models (TrajectoryModel <-> JSON)."""

from __future__ import annotations

import math
from typing import Any

from rapport.monitoring.signals import CitedValue, TrajectoryBand, TrajectoryModel

__all__ = ["clinic_trajectories", "trajectory_from_json", "trajectory_to_json"]


def _cited(value: CitedValue) -> dict[str, Any]:
    return {"value": float(value.value), "source": value.source}


def trajectory_to_json(model: TrajectoryModel) -> dict[str, Any]:
    return {
        "instrument": model.instrument,
        "direction": model.direction,
        "source": model.source,
        "tolerance_z": _cited(model.tolerance_z),
        "first_session_index": _cited(model.first_session_index),
        "bands": [
            {
                "name": band.name,
                # JSON has no infinity: the open lower end of the first band is null.
                "intake_from": None if math.isinf(band.intake_from) else band.intake_from,
                "slope": band.slope,
                "slope_sd": band.slope_sd,
                "residual_sd": band.residual_sd,
            }
            for band in model.bands
        ],
    }


def trajectory_from_json(data: dict[str, Any]) -> TrajectoryModel:
    return TrajectoryModel(
        instrument=data["instrument"],
        direction=data["direction"],
        source=data["source"],
        tolerance_z=CitedValue(**data["tolerance_z"]),
        first_session_index=CitedValue(**data["first_session_index"]),
        bands=tuple(
            TrajectoryBand(
                name=band["name"],
                intake_from=-math.inf if band["intake_from"] is None else band["intake_from"],
                slope=band["slope"],
                slope_sd=band["slope_sd"],
                residual_sd=band["residual_sd"],
            )
            for band in data["bands"]
        ),
    )


def clinic_trajectories(clinic_id: int | None) -> dict[str, TrajectoryModel]:
    """The newest calibration per instrument for a clinic (one query)."""
    from rapport.monitoring.models import TrajectoryCalibration

    if clinic_id is None:
        return {}
    models: dict[str, TrajectoryModel] = {}
    for row in TrajectoryCalibration.objects.filter(clinic_id=clinic_id).order_by(
        "-created_at", "-pk"
    ):
        if row.instrument_id not in models:
            try:
                models[row.instrument_id] = trajectory_from_json(row.parameters)
            except (KeyError, TypeError, ValueError):
                continue  # an unreadable row falls back to the defaults
    return models
