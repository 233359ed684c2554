"""Benchmark: the client page of a client with a long history, against a short one.

Run ``python bench/bench_client_page.py`` (options: ``--sessions``, ``--short-sessions``,
``--requests``). It prints one JSON object and writes nothing into the repository: the
database is a temporary SQLite file, deleted afterwards.

Two clients of one therapist in one clinic, seeded as ``bench_caseload`` seeds a caseload:
``--sessions`` attended weekly sessions (default 200) and ``--short-sessions`` (default
10), a PHQ-9 before and a check-in after each, one session booked ahead, alerts computed.
Each page is viewed three times to warm the process, then ``--requests`` times each
(default 15), the two pages taking turns so that a busy moment of a shared machine falls
on both. Reported: median wall and CPU time, queries and HTML size of each page, and the
long page's time as a ratio of the short one's (absolute times depend on the host and its
load; the ratio, measured in one run, is what to compare). The long client's page with
every list shown (``?all=``) is measured too: what the "Show all" links cost.

The script only requests pages, so it runs on older code too: copy it (with ``_env.py``
and ``bench_caseload.py``) into a worktree of the earlier commit for the "before" figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _env import throwaway_environment


def _setup() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    # One connection across requests, as a server with persistent connections keeps.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("migrate", interactive=False, verbosity=0)


def _view(http, path: str) -> tuple[float, float, int]:
    """Wall and CPU seconds of one GET of ``path``, and its HTML size."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = http.get(path)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert response.status_code == 200, path
    return wall, cpu, len(response.content)


def _queries(http, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        http.get(path)
        return len(queries.captured_queries)  # read now: the next request resets the log


def client_page_bench(sessions: int, short_sessions: int, requests: int) -> dict:
    from django.test import Client as HttpClient

    from bench_caseload import _seed
    from rapport.clinic.models import Client
    from rapport.monitoring.tasks import recompute_alerts

    started = time.perf_counter()
    therapist, _ = _seed(1, sessions, email="long@bench.invalid")
    other, _ = _seed(1, short_sessions, clinic=therapist.clinic, email="short@bench.invalid")
    long_client = Client.objects.get(therapist=therapist)
    short_client = Client.objects.get(therapist=other)
    Client.objects.filter(pk=short_client.pk).update(therapist=therapist)
    recompute_alerts()
    seeded = time.perf_counter() - started

    http = HttpClient()
    http.force_login(therapist)
    pages = {
        "short": f"/clients/{short_client.pk}/",
        "long": f"/clients/{long_client.pk}/",
        "long, every list shown": (
            f"/clients/{long_client.pk}/?all=appointments&all=scores-phq9"
            "&all=scores-session-checkin&all=pushed"
        ),
    }
    for path in pages.values():
        for _ in range(3):  # warm: templates, registry, connection, the guidance library
            _view(http, path)
    timings: dict[str, list[tuple[float, float, int]]] = {name: [] for name in pages}
    for _ in range(requests):
        for name, path in pages.items():
            timings[name].append(_view(http, path))
    result: dict[str, object] = {}
    for name, path in pages.items():
        walls, cpus, sizes = zip(*timings[name], strict=True)
        result[name] = {
            "median_ms": round(statistics.median(walls) * 1000, 1),
            "cpu_median_ms": round(statistics.median(cpus) * 1000, 1),
            "queries": _queries(http, path),
            "html_kb": round(statistics.median(sizes) / 1024, 1),
        }
    short, long = result["short"], result["long"]
    assert isinstance(short, dict) and isinstance(long, dict)
    result["ratio_long_to_short"] = {
        "wall": round(long["median_ms"] / short["median_ms"], 2),
        "cpu": round(long["cpu_median_ms"] / short["cpu_median_ms"], 2),
        "html": round(long["html_kb"] / short["html_kb"], 2),
    }
    result["seed_s"] = round(seeded, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--short-sessions", type=int, default=10)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="rapport-bench-client-page-"))
    try:
        throwaway_environment(data)
        _setup()
        report = {
            "python": platform.python_version(),
            "sessions": args.sessions,
            "short_sessions": args.short_sessions,
            "requests": args.requests,
            "client_page": client_page_bench(args.sessions, args.short_sessions, args.requests),
        }
    finally:
        shutil.rmtree(data, ignore_errors=True)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
