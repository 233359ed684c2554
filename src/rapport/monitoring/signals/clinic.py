"""Vectorised re-detection of the main signals for a whole clinic at once.

``detect_clinic`` gives, for every client in a long table, the same reliable-change,
recovery, not-on-track and alliance signals that ``detect_all`` gives one client at a time
(a test checks the two agree on a random cohort), but with numpy over a clients x sessions
grid instead of Python loops over clients. Use it to re-run detection after criteria change
or for research on large cohorts; it returns kinds and sessions, not explanations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rapport.monitoring.signals.criteria import (
    EPS,
    AllianceCriteria,
    ChangeCriteria,
    TrajectoryModel,
)
from rapport.monitoring.signals.detect import DetectorConfig
from rapport.monitoring.signals.errors import InvalidSeriesError
from rapport.monitoring.signals.model import KINDS

__all__ = ["CLINIC_KINDS", "REQUIRED_COLUMNS", "detect_clinic"]

REQUIRED_COLUMNS = ("client", "instrument", "session", "score")

#: The kinds detect_clinic computes (those that depend only on the scores).
CLINIC_KINDS = (
    "reliable_improvement",
    "reliable_deterioration",
    "recovered",
    "not_on_track",
    "alliance_low",
    "alliance_rupture",
    "alliance_repaired",
)

_SEVERITY = {
    "reliable_improvement": "info",
    "reliable_deterioration": "high",
    "recovered": "info",
    "not_on_track": "medium",
    "alliance_low": "medium",
    "alliance_rupture": "medium",
    "alliance_repaired": "info",
}

_OUTPUT_COLUMNS = ["client", "instrument", "kind", "session", "severity", "score"]


@dataclass(frozen=True)
class _Grid:
    """One instrument's scores as a clients x positions grid (NaN / -1 padded)."""

    clients: np.ndarray
    score: np.ndarray
    session: np.ndarray

    @property
    def valid(self) -> np.ndarray:
        return ~np.isnan(self.score)


def detect_clinic(frame: pd.DataFrame, config: DetectorConfig | None = None) -> pd.DataFrame:
    """Signals for every client in ``frame`` (columns client, instrument, session, score).

    Returns one row per signal: client, instrument, kind, session, severity, score; clients
    in order of first appearance, then by session and kind. Without ``config`` the criteria
    come from the registry.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidSeriesError(f"detect_clinic needs columns {', '.join(missing)}")
    if config is None:
        from rapport.monitoring.signals.adapter import config_for

        config = config_for(frame["instrument"].astype(str).unique())
    # Factorise the client ids once: everything after works on integer codes, which is
    # what makes 100,000 clients take about a second.
    clients, client_names = pd.factorize(frame["client"], sort=False)
    instruments, instrument_names = pd.factorize(frame["instrument"], sort=False)
    sessions = frame["session"].to_numpy(dtype=np.int64)
    scores = frame["score"].to_numpy(dtype=float)
    found: list[pd.DataFrame] = []
    for code, instrument in enumerate(instrument_names):
        rows = instruments == code
        grid = _grid(clients[rows], sessions[rows], scores[rows])
        found += _detect_instrument(str(instrument), grid, config)
    if not found:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _OUTPUT_COLUMNS})
    result = pd.concat(found, ignore_index=True)
    kind_order = result["kind"].map({kind: i for i, kind in enumerate(KINDS)}).to_numpy()
    order = np.lexsort(
        (result["instrument"].to_numpy(), kind_order, result["session"], result["client"])
    )
    result = result.iloc[order].reset_index(drop=True)
    result["client"] = np.asarray(client_names, dtype=object)[result["client"].to_numpy()]
    return result


def _grid(clients: np.ndarray, sessions: np.ndarray, scores: np.ndarray) -> _Grid:
    """Lay one instrument's rows out as clients x positions, in session order."""
    order = np.lexsort((sessions, clients))
    clients, sessions, scores = clients[order], sessions[order], scores[order]
    same_client = clients[1:] == clients[:-1]
    if np.any(same_client & (sessions[1:] == sessions[:-1])):
        raise InvalidSeriesError("detect_clinic: two scores for one client at one session")
    starts = np.flatnonzero(np.r_[True, ~same_client])
    row = np.cumsum(np.r_[True, ~same_client]) - 1
    position = np.arange(len(clients)) - starts[row]
    width = int(position.max()) + 1
    score = np.full((len(starts), width), np.nan)
    session = np.full((len(starts), width), -1, dtype=np.int64)
    score[row, position] = scores
    session[row, position] = sessions
    return _Grid(clients=clients[starts], score=score, session=session)


def _detect_instrument(instrument: str, grid: _Grid, config: DetectorConfig) -> list[pd.DataFrame]:
    found: list[pd.DataFrame] = []
    change = config.change.get(instrument)
    if change is not None:
        found += _reliable_change(grid, change)
    model = config.trajectories.get(instrument)
    if model is not None:
        found.append(_emit(grid, instrument, "not_on_track", _onset(_off_track(grid, model))))
    alliance = config.alliance.get(instrument)
    if alliance is not None:
        found += _alliance(grid, alliance)
    return found


def _onset(condition: np.ndarray) -> np.ndarray:
    """Cells where the condition starts: true here and false at the previous position."""
    before = np.zeros_like(condition)
    before[:, 1:] = condition[:, :-1]
    return condition & ~before


def _emit(grid: _Grid, instrument: str, kind: str, mask: np.ndarray) -> pd.DataFrame:
    rows, cols = np.nonzero(mask)
    return pd.DataFrame(
        {
            "client": grid.clients[rows],
            "instrument": instrument,
            "kind": kind,
            "session": grid.session[rows, cols],
            "severity": _SEVERITY[kind],
            "score": grid.score[rows, cols],
        }
    )


def _reliable_change(grid: _Grid, criteria: ChangeCriteria) -> list[pd.DataFrame]:
    rule = criteria.rule()
    gain = criteria.sign * (grid.score[:, :1] - grid.score)
    with np.errstate(invalid="ignore"):
        reliable = rule.is_reliable(gain) & grid.valid
        improved = reliable & (gain > 0)
        worse = reliable & (gain < 0)
    name = criteria.instrument
    found = [
        _emit(grid, name, "reliable_improvement", _onset(improved)),
        _emit(grid, name, "reliable_deterioration", _onset(worse)),
    ]
    if criteria.clinical_cutoff is not None:
        clinical = criteria.is_clinical(grid.score) & grid.valid
        recovered = improved & clinical[:, :1] & ~clinical
        found.append(_emit(grid, name, "recovered", _onset(recovered)))
    return found


def _off_track(grid: _Grid, model: TrajectoryModel) -> np.ndarray:
    intake = model.sign * grid.score[:, 0]
    starts = np.array([band.intake_from for band in model.bands])
    band = np.searchsorted(starts, intake, side="right") - 1
    slope = np.array([b.slope for b in model.bands])[band][:, None]
    slope_sd = np.array([b.slope_sd for b in model.bands])[band][:, None]
    residual_sd = np.array([b.residual_sd for b in model.bands])[band][:, None]
    index = grid.session - grid.session[:, :1] + 1
    judged = grid.valid & (index >= int(model.first_session_index.value))
    judged[:, 0] = False
    log_t = np.log(np.where(judged, index, 1))
    spread = np.sqrt((slope_sd * log_t) ** 2 + residual_sd**2)
    bound = (intake[:, None] + slope * log_t) + float(model.tolerance_z.value) * spread
    with np.errstate(invalid="ignore"):
        return judged & (model.sign * grid.score > bound + EPS)


def _alliance(grid: _Grid, criteria: AllianceCriteria) -> list[pd.DataFrame]:
    name = criteria.instrument
    found = []
    if criteria.low_threshold is not None:
        with np.errstate(invalid="ignore"):
            low = grid.valid & (grid.score < float(criteria.low_threshold.value))
        found.append(_emit(grid, name, "alliance_low", _onset(low)))
    ruptures, repairs = _ruptures(grid, criteria)
    found.append(_emit(grid, name, "alliance_rupture", ruptures))
    found.append(_emit(grid, name, "alliance_repaired", repairs))
    return found


def _ruptures(grid: _Grid, criteria: AllianceCriteria) -> tuple[np.ndarray, np.ndarray]:
    """The rupture/repair state machine of ``alliance.rupture_episodes``, one column at a time.

    Every client moves through its sessions in step; the arithmetic (left-to-right sums,
    the same EPS) matches the per-client code so both decide edge cases identically.
    """
    drop = float(criteria.rupture_drop.value)
    window = int(criteria.recent_window.value)
    repair_window = int(criteria.repair_window.value)
    tolerance = float(criteria.repair_tolerance.value)
    clients, width = grid.score.shape
    ruptures = np.zeros((clients, width), dtype=bool)
    repairs = np.zeros((clients, width), dtype=bool)
    is_open = np.zeros(clients, dtype=bool)
    open_level = np.zeros(clients)
    open_session = np.zeros(clients, dtype=np.int64)
    for col in range(width):
        score = grid.score[:, col]
        valid = ~np.isnan(score)
        in_window = is_open & valid & (grid.session[:, col] - open_session <= repair_window)
        with np.errstate(invalid="ignore"):
            repaired = in_window & (score >= open_level - tolerance - EPS)
        repairs[:, col] = repaired
        is_open &= ~(repaired | (valid & ~in_window))
        if col == 0:
            continue
        first = max(0, col - window)
        total = np.zeros(clients)
        for prior in range(first, col):
            total = total + grid.score[:, prior]
        level = total / (col - first)
        with np.errstate(invalid="ignore"):
            rupture = valid & ~in_window & (level - score >= drop - EPS)
        ruptures[:, col] = rupture
        is_open |= rupture
        open_level = np.where(rupture, level, open_level)
        open_session = np.where(rupture, grid.session[:, col], open_session)
    return ruptures, repairs
