"""Pure signal detectors: one client's series in, explained and sourced signals out.

No Django import anywhere in this package: a researcher can use it with pandas and nothing
else running. Start with :func:`detect_all`; the individual detectors, their criteria and
the vectorised :func:`detect_clinic` are exported too. Every rule, threshold and source is
listed in ``docs/monitoring.md``.
"""

from __future__ import annotations

from rapport.monitoring.signals.adapter import config_for, criteria_for, find_instrument
from rapport.monitoring.signals.alliance import (
    RuptureEpisode,
    detect_alliance_low,
    detect_pushed,
    detect_ruptures,
    rupture_episodes,
    superseded,
)
from rapport.monitoring.signals.change import detect_reliable_change
from rapport.monitoring.signals.clinic import CLINIC_KINDS, detect_clinic
from rapport.monitoring.signals.criteria import (
    AllianceCriteria,
    ChangeCriteria,
    FeedbackCriteria,
    ReliableChangeRule,
    TrajectoryBand,
    TrajectoryModel,
    default_trajectory,
)
from rapport.monitoring.signals.detect import DetectorConfig, detect_all
from rapport.monitoring.signals.dropout import (
    BASE_RATE,
    DEFAULT_DROPOUT_MODEL,
    ClinicOutcomes,
    DropoutEstimate,
    DropoutFactor,
    DropoutModel,
    FactorContribution,
    calibrate_intercept,
    detect_dropout_risk,
    dropout_features,
    early_warning_point,
    estimate_dropout,
    population_mean,
    reference_population,
    series_as_of,
)
from rapport.monitoring.signals.errors import (
    CriteriaError,
    CsvInputError,
    InvalidSeriesError,
    MonitoringError,
    NotEnoughDataError,
)
from rapport.monitoring.signals.feedback import detect_feedback_missing
from rapport.monitoring.signals.model import (
    KINDS,
    SEVERITIES,
    AttendanceRecord,
    CitedValue,
    ClientAttributes,
    ClientSeries,
    ExpectedCheckin,
    Observation,
    Signal,
)
from rapport.monitoring.signals.trajectory import detect_not_on_track

__all__ = [
    "BASE_RATE",
    "CLINIC_KINDS",
    "DEFAULT_DROPOUT_MODEL",
    "KINDS",
    "SEVERITIES",
    "AllianceCriteria",
    "AttendanceRecord",
    "ChangeCriteria",
    "CitedValue",
    "ClientAttributes",
    "ClinicOutcomes",
    "ClientSeries",
    "CriteriaError",
    "CsvInputError",
    "DetectorConfig",
    "DropoutEstimate",
    "DropoutFactor",
    "DropoutModel",
    "ExpectedCheckin",
    "FactorContribution",
    "FeedbackCriteria",
    "InvalidSeriesError",
    "MonitoringError",
    "NotEnoughDataError",
    "Observation",
    "ReliableChangeRule",
    "RuptureEpisode",
    "Signal",
    "TrajectoryBand",
    "TrajectoryModel",
    "calibrate_intercept",
    "config_for",
    "criteria_for",
    "default_trajectory",
    "detect_all",
    "detect_alliance_low",
    "detect_clinic",
    "detect_dropout_risk",
    "detect_feedback_missing",
    "detect_not_on_track",
    "detect_pushed",
    "detect_reliable_change",
    "detect_ruptures",
    "dropout_features",
    "early_warning_point",
    "estimate_dropout",
    "find_instrument",
    "population_mean",
    "reference_population",
    "rupture_episodes",
    "series_as_of",
    "superseded",
]
