from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rapport.monitoring.signals import (
    CLINIC_KINDS,
    ClientSeries,
    InvalidSeriesError,
    Observation,
    detect_all,
    detect_clinic,
)
from rapport.monitoring.simulation import SimulationSpec, cohort_frame, simulate_cohort
from tests.monitoring._helpers import CHECKIN, CONFIG, PHQ, TODAY


def _walk(rng, start, step, low, high, length, half_points):
    values = [start]
    for _ in range(length - 1):
        values.append(float(np.clip(values[-1] + rng.normal(*step), low, high)))
    rounding = 0.5 if half_points else 1.0
    return [round(v / rounding) * rounding for v in values]


def _random_client(rng, name):
    observations = []
    for instrument, start, step, low, high in (
        ("phq9", rng.uniform(3, 27), (-0.8, 3.0), 0, 27),
        ("ors", rng.uniform(8, 35), (0.8, 3.0), 0, 40),
        ("checkin", rng.uniform(30, 40), (0.0, 2.5), 0, 40),
    ):
        length = int(rng.integers(1, 16))
        sessions = np.cumsum(rng.integers(1, 3, size=length))
        values = _walk(rng, start, step, low, high, length, bool(rng.random() < 0.3))
        observations += [
            Observation(instrument, int(s), v) for s, v in zip(sessions, values, strict=True)
        ]
    return ClientSeries(client=name, today=TODAY, observations=tuple(observations))


def _per_client(clients):
    rows = [
        (s.client, sig.evidence["instrument"], sig.kind, sig.session, sig.severity)
        for s in clients
        for sig in detect_all(s, CONFIG)
        if sig.kind in CLINIC_KINDS
    ]
    return sorted(rows)


def _vectorised(clients):
    frame = pd.DataFrame(
        [(s.client, o.instrument, o.session, o.score) for s in clients for o in s.observations],
        columns=["client", "instrument", "session", "score"],
    )
    result = detect_clinic(frame, CONFIG)
    return sorted(
        result[["client", "instrument", "kind", "session", "severity"]].itertuples(
            index=False, name=None
        )
    )


def test_vectorised_detection_equals_per_client_detection_on_a_random_cohort():
    rng = np.random.default_rng(7)
    clients = [_random_client(rng, f"r{i:03d}") for i in range(300)]
    expected = _per_client(clients)
    assert len({row[2] for row in expected}) == len(CLINIC_KINDS)  # every kind is exercised
    assert _vectorised(clients) == expected


def test_vectorised_detection_equals_per_client_detection_on_a_simulated_cohort():
    spec = SimulationSpec(outcome=PHQ, alliance=CHECKIN, outcome_range=(0, 27))
    cohort = simulate_cohort(300, spec, seed=3)
    clients = [c.series for c in cohort]
    frame = cohort_frame(cohort)
    result = detect_clinic(frame, CONFIG)
    got = sorted(
        result[["client", "instrument", "kind", "session", "severity"]].itertuples(
            index=False, name=None
        )
    )
    assert got == _per_client(clients)


def test_an_empty_frame_gives_an_empty_result_with_the_columns():
    frame = pd.DataFrame(columns=["client", "instrument", "session", "score"])
    result = detect_clinic(frame, CONFIG)
    assert result.empty
    assert list(result.columns) == ["client", "instrument", "kind", "session", "severity", "score"]


def test_missing_columns_are_named():
    with pytest.raises(InvalidSeriesError, match="score"):
        detect_clinic(pd.DataFrame({"client": [], "instrument": [], "session": []}), CONFIG)


def test_two_scores_at_one_session_are_refused():
    frame = pd.DataFrame(
        {"client": ["a", "a"], "instrument": ["phq9"] * 2, "session": [1, 1], "score": [3, 4]}
    )
    with pytest.raises(InvalidSeriesError, match="two scores"):
        detect_clinic(frame, CONFIG)
