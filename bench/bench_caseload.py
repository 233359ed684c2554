"""Benchmark: the triage caseload page, and whole-clinic signal re-detection.

Run ``python bench/bench_caseload.py`` (options: ``--clients``, ``--sessions``,
``--requests``, ``--skip-signals``). It prints one JSON object and writes nothing into the
repository: the database is a temporary SQLite file, deleted afterwards.

1. **Caseload**: a therapist with ``--clients`` clients (default 150) of ``--sessions``
   attended weekly sessions each (default 40), a PHQ-9 before and a check-in after every
   session (12,000 responses), alerts computed. The p95 time of ``GET /caseload/`` is
   reported against a baseline page measured in the same run: ``GET /clients/new/``, a
   signed-in page with the same base template, middleware and session but no client data.
   The query count of both pages is reported too (it must not grow with the caseload).
2. **Client page**: another therapist's clients with ``--client-sessions`` attended weekly
   sessions each (default 100, the same PHQ-9 and check-in each session), alerts computed.
   The first client's page is viewed three times to warm the process (templates, registry,
   connection); then each of ``--client-pages`` other clients' pages (default 5) is viewed
   twice: ``cold`` is the first view of a client (nothing of theirs drawn or cached yet),
   ``warm`` the second, with nothing changed in between. Medians are reported against the
   same baseline page measured in this part, with the page's query count and HTML size,
   and the chart cache's figures where the code has one. The views' CPU time (this
   process's) is reported beside their wall time: on a shared machine it is the steadier
   figure for comparing two runs.
3. **Supervisor's caseload**: a clinic of ``--team-therapists`` therapists (default 8) with
   ``--team-clients`` clients each (default 60) of ``--team-sessions`` weekly sessions
   (default 104; a PHQ-9 and a check-in each, one PHQ-9 in 250 with a risk answer, the
   older half of those followed up), alerts computed, and a supervisor of
   ``--team-supervised`` of them (default 4, so 240 rows). Median wall and CPU time of
   ``--team-requests`` views each (default 9) of the supervisor's caseload, the same
   filtered to open risk answers, and one supervisee's own caseload, against the same
   baseline page viewed by the supervisor in this part; with queries and HTML size. The
   supervisor's caseload with every row (``?show=all``) and the former clients' list too.
4. **Whole-clinic re-detection**: reuses ``bench/bench_signals.py`` (100,000 clients x 20
   responses, vectorised ``detect_clinic`` against a per-client ``detect_all`` loop) and
   reports its figures, so the two benchmarks never disagree.

The client page and supervisor parts run on older code too (they only request pages), so
"before" figures come from the same script run in a worktree of the earlier commit:
``python bench/bench_caseload.py --skip-signals`` from that worktree's root
(``--skip-caseload --skip-client-page`` for the supervisor's part alone).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _env import p95, throwaway_environment, time_page

ROOT = Path(__file__).resolve().parents[1]


def _seed(
    clients: int,
    sessions: int,
    *,
    clinic_name: str = "Bench clinic",
    email: str = "",
    clinic=None,
    risk_every: int = 0,
):
    """One therapist's caseload with weekly sessions, scores and check-ins (bulk inserts).

    ``clinic`` puts the therapist in an existing clinic; ``risk_every`` > 0 gives every
    ``risk_every``-th PHQ-9 a risk answer (item 9), the older half of them followed up."""
    import datetime as dt

    from django.utils import timezone

    from rapport.accounts.models import Role, User
    from rapport.clinic.models import Appointment, Attendance, Client, Clinic, Episode, Goal
    from rapport.measures.models import Response
    from rapport.monitoring.instruments import CHECKIN
    from rapport.monitoring.signals.adapter import find_instrument

    phq9 = find_instrument("phq9").id
    rng = random.Random(20261127)
    clinic = clinic or Clinic.objects.create(name=clinic_name)
    therapist = User.objects.create_user(
        email or "bench@bench.invalid",
        "bench-password-not-secret",
        role=Role.THERAPIST,
        clinic=clinic,
    )
    now = timezone.now()
    first = now - dt.timedelta(days=1 + 7 * (sessions - 1))
    people = Client.objects.bulk_create(
        Client(clinic=clinic, therapist=therapist, display_name=f"Client {i:04d}", birth_year=1980)
        for i in range(clients)
    )
    episodes = Episode.objects.bulk_create(
        Episode(client=c, started_on=timezone.localdate(first), phase="maintaining") for c in people
    )
    Goal.objects.bulk_create(Goal(episode=e, text="Sleep through the night") for e in episodes)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            episode=e,
            starts_at=first + dt.timedelta(days=7 * k),
            attendance=Attendance.ATTENDED,
        )
        for e in episodes
        for k in range(sessions)
    )
    Appointment.objects.bulk_create(
        Appointment(episode=e, starts_at=now + dt.timedelta(days=6)) for e in episodes
    )
    rows = []
    # Unique across seeded clinics and therapists.
    key_prefix = f"bench-{clinic.pk}-{therapist.pk}" if email else "bench"
    for index, appointment in enumerate(appointments):
        client_index, k = divmod(index, sessions)
        episode = episodes[client_index]
        intake = 8 + client_index % 15
        phq = max(0, min(27, round(intake - 1.5 * (k**0.5) + rng.gauss(0, 1.5))))
        level = 9.5 - (3 if client_index % 7 == 0 and k >= sessions - 3 else 0)
        parts = [max(0, min(10, round(level + rng.gauss(0, 0.4)))) for _ in range(4)]
        risk = bool(risk_every) and index % risk_every == risk_every - 1
        reviewed = risk and k < sessions // 2
        for instrument, total, subscales, items, at in (
            (
                phq9,
                phq,
                {},
                {"phq9_9": 1} if risk else {},
                appointment.starts_at - dt.timedelta(hours=1),
            ),
            (
                CHECKIN,
                sum(parts),
                dict(zip(("goals", "tasks", "bond", "overall"), parts, strict=True)),
                {"pushed": 0},
                appointment.starts_at + dt.timedelta(hours=1),
            ),
        ):
            rows.append(
                Response(
                    client_id=episode.client_id,
                    episode=episode,
                    appointment=appointment,
                    instrument_id=instrument,
                    instrument_version="1",
                    administered_at=at,
                    source="import",
                    idempotency_key=f"{key_prefix}-{len(rows)}",
                    total=total,
                    subscales={**subscales, "pushed": 0} if subscales else {},
                    item_values=items,
                    risk_flags=["phq9_9"] if risk and instrument == phq9 else [],
                    risk_reviewed_at=at + dt.timedelta(days=1)
                    if reviewed and instrument == phq9
                    else None,
                    risk_reviewed_by=therapist if reviewed and instrument == phq9 else None,
                )
            )
    Response.objects.bulk_create(rows, batch_size=2000)
    return therapist, len(rows)


def _time_page(http, path: str, requests: int) -> tuple[list[float], int]:
    times, queries = time_page(http, path, requests)
    return times, len(queries)


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # Keep one connection across requests, as a server with persistent connections does
    # (and so the query counter sees every request's queries).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("migrate", interactive=False, verbosity=0)


def caseload_bench(clients: int, sessions: int, requests: int) -> dict:
    from django.test import Client as HttpClient

    from rapport.monitoring.tasks import recompute_alerts

    started = time.perf_counter()
    therapist, responses = _seed(clients, sessions)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    result = recompute_alerts()
    recompute = time.perf_counter() - started
    http = HttpClient()
    http.force_login(therapist)
    caseload, caseload_queries = _time_page(http, "/caseload/", requests)
    baseline, baseline_queries = _time_page(http, "/clients/new/", requests)
    return {
        "clients": clients,
        "sessions_per_client": sessions,
        "responses": responses,
        "alerts_open": result.created,
        "seed_seconds": round(seeded, 2),
        "recompute_alerts_seconds": round(recompute, 2),
        "recompute_alerts_episodes_per_second": round(result.episodes / recompute, 1),
        "requests_per_page": requests,
        "caseload_p50_ms": round(statistics.median(caseload) * 1000, 1),
        "caseload_p95_ms": round(p95(caseload) * 1000, 1),
        "baseline_p50_ms": round(statistics.median(baseline) * 1000, 1),
        "baseline_p95_ms": round(p95(baseline) * 1000, 1),
        "caseload_p95_vs_baseline_p95": round(p95(caseload) / p95(baseline), 1),
        "caseload_queries": caseload_queries,
        "baseline_queries": baseline_queries,
    }


def _view(http, path: str) -> tuple[float, float, int, int]:
    """One GET: wall seconds, CPU seconds of this process, queries, HTML bytes.

    The CPU time is the steadier figure on a shared machine: the page is served in this
    process (Django's test client, SQLite), so it counts the request's own work and not
    the time other processes held the CPU."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        cpu = time.process_time()
        started = time.perf_counter()
        response = http.get(path)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
    assert response.status_code == 200, path
    return seconds, cpu, len(queries.captured_queries), len(response.content)


def client_page_bench(sessions: int, pages: int, requests: int) -> dict:
    from django.test import Client as HttpClient

    from rapport.clinic.models import Client
    from rapport.monitoring.tasks import recompute_alerts

    try:  # the chart cache, where the code under test has one
        from rapport.lib.charts import chart_cache_clear, chart_cache_info
    except ImportError:
        chart_cache_clear = chart_cache_info = None  # type: ignore[assignment]

    started = time.perf_counter()
    therapist, responses = _seed(
        pages + 1,
        sessions,
        clinic_name="Bench client-page clinic",
        email="bench.client-page@bench.invalid",
    )
    seeded = time.perf_counter() - started
    recompute_alerts(clinic_id=therapist.clinic_id)
    http = HttpClient()
    http.force_login(therapist)
    ids = list(
        Client.objects.filter(therapist=therapist).order_by("pk").values_list("pk", flat=True)
    )
    for _ in range(3):  # warm the process on the first client: templates, registry
        _view(http, f"/clients/{ids[0]}/")
    if chart_cache_clear is not None:
        chart_cache_clear()
    cold, warm, cold_cpu, warm_cpu, queries, sizes = [], [], [], [], [], []
    for pk in ids[1:]:
        seconds, cpu, _queries, _size = _view(http, f"/clients/{pk}/")
        cold.append(seconds)
        cold_cpu.append(cpu)
        seconds, cpu, count, size = _view(http, f"/clients/{pk}/")
        warm.append(seconds)
        warm_cpu.append(cpu)
        queries.append(count)
        sizes.append(size)
    baseline, _baseline_queries = _time_page(http, "/clients/new/", requests)
    base = statistics.median(baseline)
    report = {
        "clients_viewed": len(cold),
        "sessions_per_client": sessions,
        "responses": responses,
        "seed_seconds": round(seeded, 2),
        "cold_median_ms": round(statistics.median(cold) * 1000, 1),
        "cold_max_ms": round(max(cold) * 1000, 1),
        "warm_median_ms": round(statistics.median(warm) * 1000, 1),
        "warm_max_ms": round(max(warm) * 1000, 1),
        "cold_cpu_median_ms": round(statistics.median(cold_cpu) * 1000, 1),
        "warm_cpu_median_ms": round(statistics.median(warm_cpu) * 1000, 1),
        "baseline_p50_ms": round(base * 1000, 1),
        "cold_median_vs_baseline_p50": round(statistics.median(cold) / base, 1),
        "warm_median_vs_baseline_p50": round(statistics.median(warm) / base, 1),
        "queries": max(queries),
        "html_kb": round(max(sizes) / 1024, 1),
    }
    if chart_cache_info is not None:
        info = chart_cache_info()
        report["chart_cache"] = {
            "charts_drawn": info["misses"],
            "charts_from_cache": info["hits"],
            "kb_held": round(info["bytes"] / 1024, 1),
        }
    return report


def _median_view(http, path: str, requests: int) -> dict:
    """Median wall and CPU time of ``requests`` GETs after three warming ones, with the
    page's query count and HTML size."""
    for _ in range(3):  # warm the process: templates, registry, connection
        _view(http, path)
    walls, cpus, counts, sizes = [], [], [], []
    for _ in range(requests):
        seconds, cpu, count, size = _view(http, path)
        walls.append(seconds)
        cpus.append(cpu)
        counts.append(count)
        sizes.append(size)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "queries": max(counts),
        "html_kb": round(max(sizes) / 1024, 1),
    }


def supervisor_caseload_bench(
    therapists: int, supervised: int, clients: int, sessions: int, requests: int
) -> dict:
    """A clinic of ``therapists`` therapists with ``clients`` clients each, ``sessions``
    weekly sessions a client (a PHQ-9 before and a check-in after each; one PHQ-9 in 250
    with a risk answer, the older half of them followed up), alerts computed. A supervisor
    supervises ``supervised`` of them. Timed, against ``GET /clients/new/`` as the
    supervisor in the same run: the supervisor's caseload, the same filtered to clients
    with an open risk answer, and one supervisee's own caseload."""
    from django.test import Client as HttpClient

    from rapport.accounts.models import Role, SupervisionLink, User
    from rapport.clinic.models import Clinic
    from rapport.monitoring.forms import RISK_ANSWER
    from rapport.monitoring.tasks import recompute_alerts

    started = time.perf_counter()
    clinic = Clinic.objects.create(name="Bench supervision clinic")
    staff, responses = [], 0
    for index in range(therapists):
        therapist, count = _seed(
            clients,
            sessions,
            clinic=clinic,
            email=f"bench.team-{index}@bench.invalid",
            risk_every=500,  # one PHQ-9 in 250
        )
        staff.append(therapist)
        responses += count
    supervisor = User.objects.create_user(
        "bench.supervisor@bench.invalid",
        "bench-password-not-secret",
        role=Role.SUPERVISOR,
        clinic=clinic,
    )
    SupervisionLink.objects.bulk_create(
        SupervisionLink(supervisor=supervisor, supervisee=t) for t in staff[:supervised]
    )
    seeded = time.perf_counter() - started
    recompute_alerts(clinic_id=clinic.pk)
    as_supervisor = HttpClient()
    as_supervisor.force_login(supervisor)
    as_therapist = HttpClient()
    as_therapist.force_login(staff[0])
    pages = {
        "supervisor": _median_view(as_supervisor, "/caseload/", requests),
        "supervisor_risk_filter": _median_view(
            as_supervisor, f"/caseload/?kind={RISK_ANSWER}", requests
        ),
        # A long caseload lists those needing attention and quiet clients up to a short list
        # (clinic.selectors.caseload_short_list); "Show all" every row, as it was before.
        "supervisor_show_all": _median_view(as_supervisor, "/caseload/?show=all", requests),
        "supervisor_former": _median_view(as_supervisor, "/caseload/?clients=former", requests),
        "therapist": _median_view(as_therapist, "/caseload/", requests),
    }
    base = _median_view(as_supervisor, "/clients/new/", requests)
    report: dict = {
        "therapists": therapists,
        "supervised": supervised,
        "clients_per_therapist": clients,
        "sessions_per_client": sessions,
        "responses": responses,
        "seed_seconds": round(seeded, 2),
        "requests_per_page": requests,
        "baseline_p50_ms": round(base["wall"] * 1000, 1),
        "baseline_cpu_p50_ms": round(base["cpu"] * 1000, 1),
    }
    for name, page in pages.items():
        report[name] = {
            "p50_ms": round(page["wall"] * 1000, 1),
            "cpu_p50_ms": round(page["cpu"] * 1000, 1),
            "p50_vs_baseline_p50": round(page["wall"] / base["wall"], 1),
            "cpu_vs_baseline_cpu": round(page["cpu"] / base["cpu"], 1),
            "queries": page["queries"],
            "html_kb": page["html_kb"],
        }
    return report


def signals_bench() -> dict:
    """The colleague's whole-clinic benchmark, run as is (100,000 clients x 20 responses)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_signals.py")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    figures = json.loads(done.stdout)
    keep = (
        "clients",
        "responses_per_client",
        "detect_clinic_seconds",
        "detect_all_extrapolated_seconds",
        "speedup_vs_detect_all",
        "sample_results_equal",
    )
    return {key: figures[key] for key in keep}


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the triage caseload page.")
    parser.add_argument("--clients", type=int, default=150)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--client-sessions", type=int, default=100)
    parser.add_argument("--client-pages", type=int, default=5)
    parser.add_argument("--team-therapists", type=int, default=8)
    parser.add_argument("--team-supervised", type=int, default=4)
    parser.add_argument("--team-clients", type=int, default=60)
    parser.add_argument("--team-sessions", type=int, default=104)
    parser.add_argument("--team-requests", type=int, default=9)
    parser.add_argument("--skip-signals", action="store_true", help="no whole-clinic part")
    parser.add_argument("--skip-caseload", action="store_true", help="no caseload part")
    parser.add_argument("--skip-client-page", action="store_true", help="no client page part")
    parser.add_argument("--skip-supervisor", action="store_true", help="no supervisor part")
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-caseload-"))
    report: dict = {}
    try:
        throwaway_environment(data_dir)
        _setup()
        if not args.skip_caseload:
            report["caseload"] = caseload_bench(args.clients, args.sessions, args.requests)
        if not args.skip_client_page:
            report["client_page"] = client_page_bench(
                args.client_sessions, args.client_pages, args.requests
            )
        if not args.skip_supervisor:
            report["supervisor_caseload"] = supervisor_caseload_bench(
                args.team_therapists,
                args.team_supervised,
                args.team_clients,
                args.team_sessions,
                args.team_requests,
            )
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    if not args.skip_signals:
        report["whole_clinic_redetection"] = signals_bench()
    report["python"] = platform.python_version()
    report["cpu_count"] = os.cpu_count()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
