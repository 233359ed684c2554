"""Benchmark: vectorised clinic re-detection against a per-client loop.

Run ``python bench/bench_signals.py`` (options: ``--clients``, ``--sessions``,
``--sample``). It prints one JSON object and writes nothing.

A synthetic clinic of ``--clients`` clients with ``--sessions`` sessions each, a PHQ-9 and
a session check-in per session (so 10 sessions = 20 responses per client), is run through
``detect_clinic``. The naive alternative, a Python loop calling ``detect_all`` per client,
is timed on the first ``--sample`` clients and extrapolated linearly; so is a loop calling
only the detectors ``detect_clinic`` covers. The sample's vectorised and per-client
results are compared, so a fast but wrong run cannot pass unnoticed.

``--recompute`` runs the other case instead: the periodic alert recompute
(``rapport.monitoring.tasks.recompute_alerts``) on a temporary SQLite clinic (or the
PostgreSQL database of ``--database-url``; it must be empty and is left with the clinic in
it) of ``--episodes`` open episodes of ``--episode-sessions`` weekly sessions each (default
200 x 100: a PHQ-9 before and a check-in after nine sessions in ten, misses and
cancellations in between). It reports the whole run and the longest time one batch held its
episodes locked (from locking them to the commit: a client's check-in on one of them waits
that long; ``tasks.py`` aims for under half a second), against a baseline measured in the
same run on the same data: every batch computed under its locks, as
``services.alerts_recompute_many`` does for the hooks. The first run raises the alerts; the
timed runs that follow alternate the two and must change nothing (so both agree). Wall
times are shown with this process's CPU time beside them (``*_cpu_*``): on a machine shared
with other work the CPU figures move far less from run to run (on SQLite the database's
work is in this process; on PostgreSQL it is not).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _env import throwaway_environment
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


# -- the periodic recompute on a stored clinic ----------------------------------------------


def _phq9_answers(total: int, rng: random.Random) -> dict[str, int]:
    values = [0] * 9
    remaining = max(0, min(total, 24))
    while remaining:
        index = rng.randrange(8)  # item 9 (risk) stays 0
        if values[index] < 3:
            values[index] += 1
            remaining -= 1
    return {f"phq9_{n}": v for n, v in enumerate(values, start=1)} | {"phq9_10": 1}


def _seed_clinic(episodes: int, sessions: int) -> int:
    """Open episodes of weekly sessions, stored as the check-in links store them (scored,
    with their items and subscales); returns the number of responses."""
    import datetime as dt
    import math

    from django.utils import timezone

    from rapport.accounts.models import Role, User
    from rapport.clinic.models import Appointment, Attendance, Client, Clinic, Episode
    from rapport.measures.models import Response
    from rapport.measures.registry import get_instrument
    from rapport.measures.scoring import score

    rng = random.Random(20261207)
    now = timezone.now()
    clinic = Clinic.objects.create(name="Bench clinic")
    therapists = [
        User.objects.create_user(
            f"t{i}@bench.invalid",
            "bench-password-not-secret",
            role=Role.THERAPIST,
            clinic=clinic,
            is_trainee=i % 3 == 0,
        )
        for i in range(4)
    ]
    people = Client.objects.bulk_create(
        Client(
            clinic=clinic,
            therapist=therapists[i % 4],
            display_name=f"Client {i:04d}",
            birth_year=1950 + rng.randint(0, 55),
        )
        for i in range(episodes)
    )
    start = now - dt.timedelta(weeks=sessions, hours=2)
    stored = Episode.objects.bulk_create(
        Episode(client=c, started_on=timezone.localdate(start), phase="maintaining") for c in people
    )
    appointments = []
    for episode in stored:
        for k in range(sessions + 2):
            at = start + dt.timedelta(weeks=k)
            draw = rng.random()
            attendance = (
                Attendance.SCHEDULED
                if at >= now
                else Attendance.ATTENDED
                if draw > 0.12
                else Attendance.CANCELLED
                if draw > 0.06
                else Attendance.NO_SHOW
            )
            appointments.append(Appointment(episode=episode, starts_at=at, attendance=attendance))
    appointments = Appointment.objects.bulk_create(appointments, batch_size=5000)
    phq9, checkin = get_instrument("phq9"), get_instrument("session-checkin")
    rows = []

    def response(episode, appointment, instrument, answers, at):
        scored = score(instrument, answers)
        rows.append(
            Response(
                client_id=episode.client_id,
                episode=episode,
                appointment=appointment,
                instrument_id=instrument.id,
                instrument_version=instrument.version,
                administered_at=at,
                source="link",
                idempotency_key=f"bench-{len(rows)}",
                item_values=dict(scored.item_values),
                total=scored.total,
                subscales=dict(scored.subscales),
                band=scored.band or "",
                completeness=scored.completeness,
                warnings=list(scored.warnings),
                risk_flags=list(scored.risk_flags),
            )
        )

    by_episode: dict[int, list] = {}
    for appointment in appointments:
        by_episode.setdefault(appointment.episode_id, []).append(appointment)
    for index, episode in enumerate(stored):
        held = [a for a in by_episode[episode.pk] if a.attendance == Attendance.ATTENDED]
        intake, level = rng.randint(8, 22), rng.uniform(8.8, 9.8)
        dropping = index % 9 == 0
        for week, appointment in enumerate(held):
            if rng.random() < 0.1:
                continue  # a session without answers now and then
            late = week >= len(held) - 3
            symptoms = intake * math.exp(-0.03 * week) + rng.uniform(-2, 2)
            symptoms += 6 if index % 11 == 0 and week > len(held) - 5 else 0
            answers = _phq9_answers(round(max(0, min(27, symptoms))), rng)
            response(
                episode, appointment, phq9, answers, appointment.starts_at - dt.timedelta(hours=2)
            )
            alliance = level - (3.5 if dropping and late else 0)
            parts = {
                name: max(0, min(10, round(alliance + rng.uniform(-0.6, 0.6))))
                for name in ("goals", "approach", "relationship", "overall")
            }
            parts["pushed"] = 1 if dropping and week == len(held) - 3 else 0
            response(
                episode, appointment, checkin, parts, appointment.starts_at + dt.timedelta(hours=1)
            )
    Response.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


class _LockClock:
    """How long each batch held its episodes locked: from ``services._lock_episodes`` to the
    commit of its transaction (``on_commit`` runs once the locks are released)."""

    def __init__(self) -> None:
        self.holds: list[float] = []
        self.cpu_holds: list[float] = []  # this process's CPU time while they were held

    def __enter__(self):
        from django.db import transaction

        from rapport.monitoring import services

        self._lock = lock = services._lock_episodes

        def timed(*args, **kwargs):
            locked_at, cpu_at = time.perf_counter(), time.process_time()

            def released() -> None:
                self.holds.append(time.perf_counter() - locked_at)
                self.cpu_holds.append(time.process_time() - cpu_at)

            transaction.on_commit(released)
            return lock(*args, **kwargs)

        services._lock_episodes = timed
        return self

    def __exit__(self, *exc) -> None:
        from rapport.monitoring import services

        services._lock_episodes = self._lock


def _all_under_the_lock(batch_size: int):
    """The baseline: each batch loaded and computed under its locks (``alerts_recompute_many``
    as the hooks call it), over the same episodes as the periodic run."""
    from rapport.clinic.models import Episode
    from rapport.monitoring.services import SyncResult, alerts_recompute_many

    ids = list(Episode.objects.order_by("pk").values_list("pk", flat=True))
    result = SyncResult()
    trajectories: dict = {}
    dropout_models: dict = {}
    for start in range(0, len(ids), batch_size):
        batch = list(
            Episode.objects.filter(pk__in=ids[start : start + batch_size])
            .select_related("client", "client__therapist")
            .order_by("pk")
        )
        result.add(
            alerts_recompute_many(
                episodes=batch, trajectories=trajectories, dropout_models=dropout_models
            )
        )
    return result


def _timed(run) -> dict:
    with _LockClock() as clock:
        started, cpu = time.perf_counter(), time.process_time()
        result = run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "seconds": seconds,
        "cpu": cpu,
        "longest_lock": max(clock.holds),
        "longest_lock_cpu": max(clock.cpu_holds),
        "mean_lock": statistics.fmean(clock.holds),
        "batches": len(clock.holds),
        "changes": {k: v for k, v in result.as_dict().items() if k != "episodes"},
    }


def recompute_bench(episodes: int, sessions: int, repeats: int, database_url: str | None) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-recompute-"))
    try:
        throwaway_environment(data_dir, database_url)
        import django

        django.setup()
        from django.core.management import call_command

        from rapport.monitoring.models import Alert
        from rapport.monitoring.tasks import BATCH_SIZE, recompute_alerts

        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        responses = _seed_clinic(episodes, sessions)
        seeded = time.perf_counter() - started
        first = _timed(recompute_alerts)
        periodic, baseline = [], []
        for _ in range(repeats):
            periodic.append(_timed(recompute_alerts))
            baseline.append(_timed(lambda: _all_under_the_lock(BATCH_SIZE)))
        alerts = Alert.objects.count()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    quiet = all(not any(r["changes"].values()) for r in periodic + baseline)
    return {
        "case": "recompute_alerts",
        "database": "postgresql" if database_url else "sqlite",
        "episodes": episodes,
        "sessions_per_episode": sessions,
        "responses": responses,
        "batch_size": BATCH_SIZE,
        "seed_seconds": round(seeded, 1),
        "alerts": alerts,
        "first_run_seconds": round(first["seconds"], 2),
        "first_run_longest_lock_seconds": round(first["longest_lock"], 3),
        "repeats": repeats,
        "run_seconds": round(median(periodic, "seconds"), 2),
        "longest_lock_seconds": round(median(periodic, "longest_lock"), 3),
        "mean_lock_seconds": round(median(periodic, "mean_lock"), 3),
        "run_cpu_seconds": round(median(periodic, "cpu"), 2),
        "longest_lock_cpu_seconds": round(median(periodic, "longest_lock_cpu"), 3),
        "baseline_run_seconds": round(median(baseline, "seconds"), 2),
        "baseline_longest_lock_seconds": round(median(baseline, "longest_lock"), 3),
        "baseline_mean_lock_seconds": round(median(baseline, "mean_lock"), 3),
        "baseline_run_cpu_seconds": round(median(baseline, "cpu"), 2),
        "baseline_longest_lock_cpu_seconds": round(median(baseline, "longest_lock_cpu"), 3),
        "run_vs_baseline": round(median(periodic, "seconds") / median(baseline, "seconds"), 2),
        "run_cpu_vs_baseline": round(median(periodic, "cpu") / median(baseline, "cpu"), 2),
        "longest_lock_vs_baseline": round(
            median(periodic, "longest_lock") / median(baseline, "longest_lock"), 2
        ),
        "longest_lock_cpu_vs_baseline": round(
            median(periodic, "longest_lock_cpu") / median(baseline, "longest_lock_cpu"), 2
        ),
        "later_runs_changed_nothing": quiet,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark detect_clinic vs detect_all.")
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--sample", type=int, default=2_000)
    parser.add_argument(
        "--recompute", action="store_true", help="the periodic alert recompute case instead"
    )
    parser.add_argument("--episodes", type=int, default=200)
    parser.add_argument("--episode-sessions", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=None, help="an empty PostgreSQL database")
    args = parser.parse_args()
    if args.recompute:
        report = recompute_bench(
            args.episodes, args.episode_sessions, args.repeats, args.database_url
        )
        print(json.dumps(report, indent=2))
        return
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
