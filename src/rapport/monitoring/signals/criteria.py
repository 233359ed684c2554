"""Explicit parameters for the detectors: every figure is a value with its source.

The detectors never look anything up. A caller hands them these frozen dataclasses, built
either by hand (a researcher testing another cut-off), by ``adapter.criteria_for`` from the
instrument registry, or by ``calibration.calibrate`` from a clinic's own history.

Scores are compared on a *severity* scale: the score itself for higher-is-worse instruments
(PHQ-9) and the negated score for higher-is-better ones (ORS), so "up" always means worse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from rapport.monitoring.signals._util import spoken
from rapport.monitoring.signals.errors import CriteriaError
from rapport.monitoring.signals.model import CitedValue, Direction
from rapport.monitoring.signals.sources import (
    FINCH_2001,
    HANNAN_2005,
    JACOBSON_TRUAX_1991,
    LARSSON_2018,
    RAPPORT_DEFAULT,
    ZLOTNICK_2020,
)

__all__ = [
    "DEFAULT_BAND_NAMES",
    "EPS",
    "AllianceCriteria",
    "ChangeCriteria",
    "ClinicalRange",
    "FeedbackCriteria",
    "ReliableChangeRule",
    "TrajectoryBand",
    "TrajectoryModel",
    "band_name",
    "default_trajectory",
    "severity_sign",
]

ClinicalRange = Literal["at_or_above", "below"]

#: Tolerance for comparing computed floats with thresholds, shared by the per-client and
#: the vectorised detectors so both decide edge cases identically.
EPS = 1e-9

#: |RC| > 1.96: a change this large happens by measurement error alone less than 5% of the
#: time (Jacobson & Truax 1991).
RC_Z = CitedValue(1.96, JACOBSON_TRUAX_1991)


def severity_sign(direction: Direction) -> int:
    """+1 when a higher score is worse, -1 when it is better (severity = sign * score)."""
    if direction == "higher_is_worse":
        return 1
    if direction == "higher_is_better":
        return -1
    raise CriteriaError(f"unknown direction {direction!r}")


@dataclass(frozen=True, slots=True)
class ReliableChangeRule:
    """The smallest change (in score points) that counts as reliable, and why."""

    threshold: float
    inclusive: bool
    standard_error: float | None
    description: str
    source: str

    def is_reliable(self, change: Any) -> Any:
        """True where |change| clears the threshold; works on floats and numpy arrays."""
        size = abs(change)
        if self.inclusive:
            return size >= self.threshold - EPS
        return size > self.threshold + EPS

    @property
    def in_words(self) -> str:
        """The rule as a therapist reads it ("a change of 6 points or more"): the
        description's formula belongs in the evidence, not in an explanation."""
        if self.inclusive:
            return f"a change of {spoken(self.threshold)} points or more"
        return f"a change of more than {spoken(self.threshold, 2)} points"

    def as_evidence(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "comparison": ">=" if self.inclusive else ">",
            "rule": self.description,
        }


@dataclass(frozen=True, slots=True)
class ChangeCriteria:
    """What counts as reliable and clinically significant change on one outcome measure.

    ``reliable_change`` is a published smallest reliable change in points (counted as reached
    when the change is at least that big, as PCOMS and IAPT use it). Without it, the
    Jacobson & Truax (1991) index is computed from ``sd`` (pre-treatment SD) and
    ``reliability``: RC = (x2 - x1) / sqrt(2 SE^2), SE = SD * sqrt(1 - r), reliable when
    |RC| > 1.96.
    """

    instrument: str
    direction: Direction
    reliable_change: CitedValue | None = None
    sd: CitedValue | None = None
    reliability: CitedValue | None = None
    clinical_cutoff: CitedValue | None = None
    clinical_range: ClinicalRange | None = None
    z: CitedValue = RC_Z
    #: The instrument's name as clinicians write it ("PHQ-9"), for explanations; the id
    #: when none is given.
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.instrument

    def __post_init__(self) -> None:
        severity_sign(self.direction)
        if self.clinical_range is None:
            default: ClinicalRange = (
                "at_or_above" if self.direction == "higher_is_worse" else "below"
            )
            object.__setattr__(self, "clinical_range", default)

    @property
    def sign(self) -> int:
        return severity_sign(self.direction)

    def rule(self) -> ReliableChangeRule:
        """The reliable-change rule: the published value first, else Jacobson & Truax."""
        if self.reliable_change is not None:
            value = float(self.reliable_change.value)
            return ReliableChangeRule(
                threshold=value,
                inclusive=True,
                standard_error=None,
                description=f"change of at least {value:g} points (published reliable change)",
                source=self.reliable_change.source,
            )
        if self.sd is None or self.reliability is None:
            raise CriteriaError(
                f"{self.instrument}: no published reliable change and no SD + reliability "
                f"to compute one (Jacobson & Truax 1991)"
            )
        se = float(self.sd.value) * math.sqrt(1.0 - float(self.reliability.value))
        threshold = float(self.z.value) * math.sqrt(2.0) * se
        return ReliableChangeRule(
            threshold=threshold,
            inclusive=False,
            standard_error=se,
            description=(
                f"|RC| > {self.z.value:g}: RC = (x2 - x1) / sqrt(2 SE^2), SE = SD * sqrt(1 - r) "
                f"= {self.sd.value:g} * sqrt(1 - {self.reliability.value:g}) = {se:.3f}, so "
                f"a change of more than {threshold:.2f} points"
            ),
            source=f"{self.z.source} SD: {self.sd.source} r: {self.reliability.source}",
        )

    def is_clinical(self, score: Any) -> Any:
        """True where the score lies in the clinical range (works on numpy arrays)."""
        if self.clinical_cutoff is None:
            raise CriteriaError(f"{self.instrument}: no clinical cut-off")
        cutoff = float(self.clinical_cutoff.value)
        if self.clinical_range == "at_or_above":
            return score >= cutoff
        return score < cutoff


@dataclass(frozen=True, slots=True)
class AllianceCriteria:
    """Thresholds for alliance signals on one alliance measure (higher is better).

    * low: total below ``low_threshold`` (36 of 40 on four 0-10 scales, PCOMS practice).
    * rupture: the total falls at least ``rupture_drop`` below the client's recent level
      (mean of the previous ``recent_window`` ratings, or of the fewer there are early in
      an episode; the evidence says how many). A single small drop is a weak marker
      (Zlotnick et al. 2020), so the drop must clear measurement error, not one point.
    * repaired: within ``repair_window`` sessions of a rupture the total comes back to the
      pre-rupture level, less ``repair_tolerance`` (a one-point wobble is noise either way).

    ``scale_max`` is the highest total the measure allows (40 on the SRS), so that an
    explanation says "12 out of 40": a bare 12 means nothing to a therapist who does not
    know the scale. ``None`` when the caller does not know it.
    """

    instrument: str
    rupture_drop: CitedValue
    low_threshold: CitedValue | None = None
    recent_window: CitedValue = CitedValue(
        3, f"{RAPPORT_DEFAULT}: the client's own level over the last three ratings"
    )
    repair_window: CitedValue = CitedValue(
        3, f"{RAPPORT_DEFAULT}: repair within three sessions ({LARSSON_2018})"
    )
    repair_tolerance: CitedValue = CitedValue(
        1, f"{RAPPORT_DEFAULT}: a one-point wobble is measurement noise ({ZLOTNICK_2020})"
    )
    scale_max: float | None = None

    def __post_init__(self) -> None:
        if self.scale_max is not None and not (
            math.isfinite(self.scale_max)
            and (self.low_threshold is None or self.low_threshold.value <= self.scale_max)
        ):
            raise CriteriaError(
                f"{self.instrument}: the scale's maximum {self.scale_max:g} must be a number "
                f"at or above the low threshold"
            )
        if float(self.rupture_drop.value) <= float(self.repair_tolerance.value):
            raise CriteriaError(
                f"{self.instrument}: a rupture drop of {self.rupture_drop.value:g} is within "
                f"the {self.repair_tolerance.value:g}-point noise; use a drop beyond "
                f"measurement error"
            )
        if int(self.recent_window.value) < 1 or int(self.repair_window.value) < 1:
            raise CriteriaError(f"{self.instrument}: windows must be at least one")


@dataclass(frozen=True, slots=True)
class TrajectoryBand:
    """Expected change for clients whose intake severity is at least ``intake_from``.

    Expected severity at session index t (t = 1 at intake) is
    ``intake + slope * ln(t)``; its spread is ``sqrt((slope_sd * ln t)^2 + residual_sd^2)``
    (a random slope plus session noise, the log-linear form of Finch et al. 2001).
    """

    name: str
    intake_from: float
    slope: float
    slope_sd: float
    residual_sd: float


@dataclass(frozen=True, slots=True)
class TrajectoryModel:
    """Expected treatment response by intake severity, with a one-sided tolerance band."""

    instrument: str
    direction: Direction
    bands: tuple[TrajectoryBand, ...]
    tolerance_z: CitedValue
    first_session_index: CitedValue
    source: str
    #: As ChangeCriteria.label ("PHQ-9"); not stored with a clinic's calibration.
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.instrument

    def __post_init__(self) -> None:
        if not self.bands:
            raise CriteriaError(f"{self.instrument}: a trajectory model needs bands")
        starts = [band.intake_from for band in self.bands]
        if starts != sorted(starts) or not math.isinf(starts[0]):
            raise CriteriaError(
                f"{self.instrument}: bands must be ordered and the first must start at -inf"
            )

    @property
    def sign(self) -> int:
        return severity_sign(self.direction)

    def band_index(self, intake_severity: float) -> int:
        index = 0
        for position, band in enumerate(self.bands):
            if intake_severity >= band.intake_from:
                index = position
        return index


#: The default intake bands, named by where the intake lies against the cut-off in
#: reliable-change steps, and read as "clients who started <name>". The names must be true
#: whichever way a scale runs (an ORS intake of 30 is non-clinical: the ORS is clinical
#: *below* 25) and must not reuse severity words, which clash with an instrument's own bands
#: shown on the same page (a PHQ-9 intake of 14 is "moderate" in Kroenke, Spitzer & Williams
#: 2001, J Gen Intern Med 16(9):606-613, yet fell in a default band once called "mild").
DEFAULT_BAND_NAMES = (
    "in the non-clinical range",
    "up to one reliable change past the cut-off",
    "one to two reliable changes past the cut-off",
    "two or more reliable changes past the cut-off",
)
#: The names the default bands had before; a clinic's calibration copies the names of the
#: model it started from, so stored models may still carry them.
_OLD_BAND_NAMES = dict(
    zip(("below cut-off", "mild", "moderate", "severe"), DEFAULT_BAND_NAMES, strict=True)
)


def band_name(band: TrajectoryBand) -> str:
    """The band's name as shown to a therapist, with the old default names replaced."""
    return _OLD_BAND_NAMES.get(band.name, band.name)


#: Expected change per ln(session index), in units of the reliable-change threshold, for
#: intake on the non-clinical side of the cut-off, then up to one, one to two and two or more
#: RC past it. Rapport defaults: a client who started one to two RC past the cut-off is
#: expected to improve by about one reliable change by session 8 (0.6 * ln 8 = 1.25).
#: calibrate() replaces them with the clinic's own estimates.
_DEFAULT_SLOPES = (-0.15, -0.45, -0.60, -0.75)
_DEFAULT_SLOPE_SD = 0.35
_DEFAULT_RESIDUAL_SD = 0.45
#: One-sided 90% band: a client on the expected path falls above it about 1 time in 10.
TOLERANCE_Z = CitedValue(1.2816, f"{RAPPORT_DEFAULT}: one-sided 90% band ({FINCH_2001})")
#: Judge from the third session on: Hannan et al. (2005) flagged most failing clients by
#: session 3, and earlier scores are dominated by noise.
FIRST_SESSION_INDEX = CitedValue(3, HANNAN_2005)


def default_trajectory(change: ChangeCriteria) -> TrajectoryModel:
    """The default expected-response model for an instrument, scaled by its own figures.

    Bands and slopes are expressed in reliable-change units above the clinical cut-off, so
    one documented set of defaults fits any instrument with a cut-off and a reliable change.
    """
    if change.clinical_cutoff is None:
        raise CriteriaError(f"{change.instrument}: a trajectory needs a clinical cut-off")
    unit = change.rule().threshold
    cutoff = change.sign * float(change.clinical_cutoff.value)
    starts: tuple[float, ...] = (-math.inf, cutoff, cutoff + unit, cutoff + 2 * unit)
    if change.clinical_range != "at_or_above":
        # Clinical *below* the cut-off (ORS under 25): the cut-off itself is not clinical,
        # so each band starts just past its boundary, as is_clinical() draws the line.
        starts = (starts[0], *(math.nextafter(start, math.inf) for start in starts[1:]))
    bands = tuple(
        TrajectoryBand(
            name=name,
            intake_from=start,
            slope=slope * unit,
            slope_sd=_DEFAULT_SLOPE_SD * unit,
            residual_sd=_DEFAULT_RESIDUAL_SD * unit,
        )
        for name, start, slope in zip(DEFAULT_BAND_NAMES, starts, _DEFAULT_SLOPES, strict=True)
    )
    return TrajectoryModel(
        instrument=change.instrument,
        label=change.label,
        direction=change.direction,
        bands=bands,
        tolerance_z=TOLERANCE_Z,
        first_session_index=FIRST_SESSION_INDEX,
        source=(
            f"{RAPPORT_DEFAULT}: log-linear expected change by intake band in reliable-change "
            f"units ({FINCH_2001})"
        ),
    )


@dataclass(frozen=True, slots=True)
class FeedbackCriteria:
    """When missing check-ins become a signal.

    Fires when the last ``consecutive_missing`` attended sessions that expected a check-in
    have none, or when no check-in came for ``max_days`` days while the client still
    attends sessions.
    """

    checkin_instrument: str | None = None
    consecutive_missing: CitedValue = CitedValue(
        2, f"{RAPPORT_DEFAULT}: one missed check-in happens; two in a row is a pattern"
    )
    max_days: CitedValue = CitedValue(
        28, f"{RAPPORT_DEFAULT}: four weeks covers weekly and fortnightly sessions"
    )
    #: Other after-session measures whose answer about a session counts as that session's
    #: check-in. A clinic that changes its check-in (from the session check-in to the SRS,
    #: once it has loaded the licensed wording) must not read the weeks answered on the old
    #: one as silence ("No check-in has come yet ... for 50 days" to a client who answered
    #: every week). ``None``: the configuration's alliance measures
    #: (``DetectorConfig.from_criteria`` fills them in).
    other_checkins: tuple[str, ...] | None = None

    def answered_by(self, instrument: str) -> frozenset[str]:
        """The measures whose answer counts for an expected check-in of ``instrument``: the
        check-in and the other after-session measures for any of them, else itself."""
        family = {*(self.other_checkins or ()), *filter(None, [self.checkin_instrument])}
        return frozenset(family) if instrument in family else frozenset({instrument})
