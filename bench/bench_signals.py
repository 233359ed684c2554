"""Benchmark: vectorised clinic re-detection against a per-client loop.

Run ``python bench/bench_signals.py`` (options: ``--clients``, ``--sessions``,
``--sample``). It prints one JSON object and writes nothing.

A synthetic clinic of ``--clients`` clients with ``--sessions`` sessions each, a PHQ-9 and
a session check-in per session (so 10 sessions = 20 responses per client), is run through
``detect_clinic``. The naive alternative, a Python loop calling ``detect_all`` per client,
is timed on the first ``--sample`` clients and extrapolated linearly; so is a loop calling
only the detectors ``detect_clinic`` covers. The sample's vectorised and per-client
results are compared, so a fast but wrong run cannot pass unnoticed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import time

import numpy as np
import pandas as pd

from rapport.monitoring.signals import (
    CLINIC_KINDS,
    ClientSeries,
    Observation,
    config_for,
    detect_all,
    detect_alliance_low,
    detect_clinic,
    detect_not_on_track,
    detect_reliable_change,
    detect_ruptures,
)

OUTCOME, ALLIANCE = "phq9", "session-checkin"


def make_frame(clients: int, sessions: int, seed: int = 1) -> pd.DataFrame:
    """Plausible scores: PHQ-9 improving on average, alliance high with occasional drops."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, sessions + 1)
    intake = rng.normal(16, 5, size=(clients, 1))
    slope = rng.normal(-3.0, 2.0, size=(clients, 1))
    phq = np.clip(
        np.rint(intake + slope * np.log(t) + rng.normal(0, 2, (clients, sessions))), 0, 27
    )
    level = np.clip(rng.normal(37.5, 1.5, size=(clients, 1)), 30, 40)
    dips = (rng.random((clients, sessions)) < 0.05) * rng.uniform(3, 9, (clients, sessions))
    alliance = np.clip(np.rint(level - dips + rng.normal(0, 1, (clients, sessions))), 0, 40)
    ids = np.repeat(np.array([f"c{i:06d}" for i in range(clients)], dtype=object), sessions)
    session = np.tile(t, clients)
    return pd.concat(
        [
            pd.DataFrame({"client": ids, "instrument": OUTCOME, "session": session,
                          "score": phq.ravel()}),
            pd.DataFrame({"client": ids, "instrument": ALLIANCE, "session": session,
                          "score": alliance.ravel()}),
        ],
        ignore_index=True,
    )  # fmt: skip


def to_series(frame: pd.DataFrame) -> list[ClientSeries]:
    today = dt.date(2025, 6, 30)
    return [
        ClientSeries(
            client=str(client),
            today=today,
            observations=tuple(
                Observation(str(i), int(s), float(v))
                for i, s, v in zip(g["instrument"], g["session"], g["score"], strict=True)
            ),
        )
        for client, g in frame.groupby("client", sort=False)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark detect_clinic vs detect_all.")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--sample", type=int, default=2_000)
    args = parser.parse_args()
    config = config_for([OUTCOME, ALLIANCE])
    frame = make_frame(args.clients, args.sessions)

    started = time.perf_counter()
    result = detect_clinic(frame, config)
    vectorised = time.perf_counter() - started

    sample_ids = frame["client"].drop_duplicates().iloc[: args.sample]
    sample_frame = frame[frame["client"].isin(set(sample_ids))]
    series = to_series(sample_frame)
    started = time.perf_counter()
    per_client = [detect_all(s, config) for s in series]
    loop_all = time.perf_counter() - started
    started = time.perf_counter()
    for s in series:
        detect_reliable_change(s, config.change[OUTCOME])
        detect_not_on_track(s, config.trajectories[OUTCOME])
        detect_alliance_low(s, config.alliance[ALLIANCE])
        detect_ruptures(s, config.alliance[ALLIANCE])
    loop_same = time.perf_counter() - started

    expected = sorted(
        (s.client, sig.kind, sig.session)
        for s, found in zip(series, per_client, strict=True)
        for sig in found
        if sig.kind in CLINIC_KINDS
    )
    sample_result = result[result["client"].isin(set(sample_ids))]
    got = sorted(sample_result[["client", "kind", "session"]].itertuples(index=False, name=None))
    scale = args.clients / len(series)
    print(
        json.dumps(
            {
                "clients": args.clients,
                "responses_per_client": 2 * args.sessions,
                "rows": len(frame),
                "signals": len(result),
                "signals_by_kind": result["kind"].value_counts().sort_index().to_dict(),
                "detect_clinic_seconds": round(vectorised, 3),
                "per_client_sample": len(series),
                "detect_all_sample_seconds": round(loop_all, 3),
                "detect_all_extrapolated_seconds": round(loop_all * scale, 1),
                "speedup_vs_detect_all": round(loop_all * scale / vectorised, 1),
                "same_detectors_extrapolated_seconds": round(loop_same * scale, 1),
                "speedup_vs_same_detectors": round(loop_same * scale / vectorised, 1),
                "sample_results_equal": got == expected,
                "python": platform.python_version(),
                "cpu_count": __import__("os").cpu_count(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
