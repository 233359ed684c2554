"""Expected treatment response: is the client on track for their intake severity?

Following Finch, Lambert & Schaalje (2001), clients are grouped by intake severity, each
group has an expected log-linear course, and a client whose score is worse than the
expected course by more than a tolerance band is "not on track". Judging starts at the
third session (Hannan et al. 2005): the first two scores say little about the course.
"""

from __future__ import annotations

import math

from rapport.monitoring.signals._util import apart, number, onsets, spoken
from rapport.monitoring.signals.criteria import EPS, TrajectoryBand, TrajectoryModel, band_name
from rapport.monitoring.signals.model import ClientSeries, Observation, Signal

__all__ = ["detect_not_on_track", "expected_severity", "tolerance_severity"]


def expected_severity(band: TrajectoryBand, intake_severity: float, index: int) -> float:
    """Expected severity at session index ``index`` (1 = intake)."""
    return intake_severity + band.slope * math.log(index)


def tolerance_severity(band: TrajectoryBand, intake_severity: float, index: int, z: float) -> float:
    """The worst severity still inside the band at session index ``index``."""
    log_t = math.log(index)
    spread = math.sqrt((band.slope_sd * log_t) ** 2 + band.residual_sd**2)
    return expected_severity(band, intake_severity, index) + z * spread


def detect_not_on_track(series: ClientSeries, model: TrajectoryModel) -> tuple[Signal, ...]:
    """``not_on_track`` at each session where the client first falls outside the band."""
    observations = series.of(model.instrument)
    if not observations:
        return ()
    intake = observations[0]
    intake_severity = model.sign * intake.score
    band = model.bands[model.band_index(intake_severity)]
    first = int(model.first_session_index.value)
    z = float(model.tolerance_z.value)
    judged = [o for o in observations[1:] if o.session - intake.session + 1 >= first]
    outside = [
        model.sign * o.score > tolerance_severity(band, intake_severity, _index(intake, o), z) + EPS
        for o in judged
    ]
    return tuple(_signal(model, band, intake, judged[i]) for i in onsets(outside))


def _index(intake: Observation, now: Observation) -> int:
    return now.session - intake.session + 1


def _signal(
    model: TrajectoryModel, band: TrajectoryBand, intake: Observation, now: Observation
) -> Signal:
    index = _index(intake, now)
    z = float(model.tolerance_z.value)
    intake_severity = model.sign * intake.score
    expected = model.sign * expected_severity(band, intake_severity, index)
    bound = model.sign * tolerance_severity(band, intake_severity, index, z)
    worse = "above" if model.sign > 0 else "below"
    # The score and the limit to as many decimals as it takes to tell them apart: a score
    # of 17.9 under a limit of 17.918 must not read "17.9 is below 17.9".
    score, limit = apart(now.score, bound)
    return Signal(
        kind="not_on_track",
        severity="medium",
        session=now.session,
        evidence={
            "instrument": model.instrument,
            "direction": model.direction,
            "intake_session": intake.session,
            "intake_score": number(intake.score),
            "intake_band": band_name(band),
            "session_index": index,
            "score": number(now.score),
            "expected_score": number(expected),
            "tolerance_bound": number(bound),
            "tolerance_z": number(z),
            "rule": (
                f"score {worse} expected + z * spread, expected = intake + slope * ln(t); "
                f"judged from session index {int(model.first_session_index.value)}"
            ),
        },
        explanation=(
            f"At session {now.session}, {model.name} is {score}; clients who started "
            f"{band_name(band)} (this client started at {spoken(intake.score)}) are expected "
            f"to be near {spoken(expected)} by now, and {score} is {worse} the tolerance limit "
            f"of {limit}. The client is not on track: check in about progress, the plan and "
            f"the relationship."
        ),
        # The course, the band, and why judging starts at the third session (Hannan et al.
        # 2005 flagged most clients who went on to fail by then).
        source=(
            f"{model.source.rstrip('.')}. Band: {model.tolerance_z.source.rstrip('.')}. "
            f"Judged from session "
            f"{int(model.first_session_index.value)}: {model.first_session_index.source}"
        ),
    )
