"""Benchmark: the clinic admin's audit page (``/manage/audit/``) on a large log.

Run ``python bench/bench_audit.py`` (options: ``--rows``, ``--requests``). It prints one
JSON object and writes nothing into the repository: the database is a temporary SQLite
file, deleted afterwards.

Two clinics share the log half and half (``--rows``, default 200,000): each has 240
clients, a therapist whose caseload views write a *Read* row per client (240 rows a
view, as a supervisor's caseload does), client page views (the page and its panels, one
request) and some events about users. The p95 time of these pages, as the first
clinic's admin, is reported against a baseline page measured in the same run
(``GET /clients/new/`` for the therapist: a signed-in page with the same base template,
middleware and session but no audit data), so the ratios hold on a slower machine:

* **page 1**: ``/manage/audit/``;
* **deep page**: the page 10,000 events down (``?page=201`` where the page counts its
  pages, the *Older* link's cursor there where it pages by keyset);
* **client filter**: ``/manage/audit/?client=<id>``, one client's rows;
* **actor filter**: ``/manage/audit/?actor=therapist``.

Each page's query count, whether any of its queries counts rows (``COUNT(``) and
SQLite's plan of each of its queries on the log are reported too. The same script runs
on the release before the clinic was stored on each event (it detects which it runs
on), so the two can be compared.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from _env import p95, throwaway_environment, time_page

CLIENTS_PER_CLINIC = 240
DEEP = 10_000


def _seed_clinic(name: str):
    """A clinic, its admin, and a therapist with a caseload."""
    from rapport.accounts.models import Role, User
    from rapport.clinic.models import Client, Clinic

    clinic = Clinic.objects.create(name=name)
    slug = name.lower().replace(" ", "-")
    admin = User.objects.create_user(
        f"admin@{slug}.invalid", "bench-password-not-secret", role=Role.ADMIN, clinic=clinic
    )
    therapist = User.objects.create_user(
        f"therapist@{slug}.invalid", "bench-password-not-secret", role=Role.THERAPIST, clinic=clinic
    )
    clients = Client.objects.bulk_create(
        Client(clinic=clinic, therapist=therapist, display_name=f"Client {i:04d}", birth_year=1980)
        for i in range(CLIENTS_PER_CLINIC)
    )
    return admin, therapist, clients


def _write_log(clinics, rows: int) -> None:
    """``rows`` audit rows written through the audit service as the pages write them, the
    clinics' requests taking turns (so each clinic's rows are spread over the whole log)."""
    from rapport.audit.context import audit_scope
    from rapport.audit.models import Action
    from rapport.audit.services import audit_record, audit_record_many

    written = 0
    step = 0
    while written < rows:
        admin, therapist, clients = clinics[step % len(clinics)]
        kind = (step // len(clinics)) % 10
        with audit_scope():
            if kind < 8:  # a caseload view: a row per client shown
                batch = [c.pk for c in clients[: min(len(clients), rows - written)]]
                audit_record_many(
                    actor=therapist, action=Action.VIEW, target="caseload", client_ids=batch
                )
                written += len(batch)
            elif kind == 8:  # a client's page and two panels
                for target in ("client", "checkins-panel", "monitoring-panel")[: rows - written]:
                    audit_record(
                        actor=therapist,
                        action=Action.VIEW,
                        target=target,
                        client_id=clients[step % len(clients)].pk,
                    )
                    written += 1
            else:  # the admin's work on a user
                audit_record(
                    actor=admin, action=Action.UPDATE, target=f"user:{therapist.pk}:full_name"
                )
                written += 1
        step += 1


def _plan(sql: str) -> list[str]:
    """SQLite's plan of one captured query (its parameters are already in the text)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return [row[-1] for row in cursor.fetchall()]


def _time_page(http, path: str, requests: int) -> tuple[list[float], int, bool, list]:
    times, queries = time_page(http, path, requests)
    counts = any("COUNT(" in q["sql"].upper() for q in queries)
    plans = [_plan(q["sql"]) for q in queries if "audit_auditevent" in q["sql"]]
    return times, len(queries), counts, plans


def _deep_page_path(admin) -> str:
    """The page DEEP events down, as each release links to it."""
    from rapport.audit.models import AuditEvent

    if not any(f.name == "clinic_id" for f in AuditEvent._meta.get_fields()):
        return f"/manage/audit/?page={DEEP // 50 + 1}"  # Paginator: page 201
    from rapport.audit.selectors import audit_events_for

    cursor = audit_events_for(admin).values_list("pk", flat=True)[DEEP - 1]
    return f"/manage/audit/?before={cursor}"


def audit_bench(rows: int, requests: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, transaction

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    from django.test import Client as HttpClient

    from rapport.audit.models import AuditEvent

    call_command("migrate", interactive=False, verbosity=0)
    started = time.perf_counter()
    with transaction.atomic():  # one commit: the seed is not what is measured
        clinics = [_seed_clinic("Bench clinic"), _seed_clinic("Other clinic")]
        _write_log(clinics, rows)
    admin, therapist, clients = clinics[0]
    client = clients[0]
    seeded = time.perf_counter() - started
    keyset = any(f.name == "clinic_id" for f in AuditEvent._meta.get_fields())

    http = HttpClient()
    http.force_login(admin)
    pages = {
        "page_1": "/manage/audit/",
        "deep_page": _deep_page_path(admin),
        "client_filter": f"/manage/audit/?client={client.pk}",
        "actor_filter": "/manage/audit/?actor=therapist",
    }
    report: dict = {
        "audit_rows": AuditEvent.objects.count(),
        "paging": "keyset (clinic_id)" if keyset else "Paginator (COUNT)",
        "seed_seconds": round(seeded, 1),
        "requests_per_page": requests,
    }
    measured = {}
    for name, path in pages.items():
        times, queries, counts, plans = _time_page(http, path, requests)
        measured[name] = times
        report[f"{name}_queries"] = queries
        report[f"{name}_counts_rows"] = counts
        report[f"{name}_audit_query_plans"] = plans
    other = HttpClient()
    other.force_login(therapist)
    baseline, baseline_queries, _, _ = _time_page(other, "/clients/new/", requests)
    report["baseline_p50_ms"] = round(statistics.median(baseline) * 1000, 1)
    report["baseline_p95_ms"] = round(p95(baseline) * 1000, 1)
    report["baseline_queries"] = baseline_queries
    for name, times in measured.items():
        report[f"{name}_p50_ms"] = round(statistics.median(times) * 1000, 1)
        report[f"{name}_p95_ms"] = round(p95(times) * 1000, 1)
        report[f"{name}_p95_vs_baseline_p95"] = round(p95(times) / p95(baseline), 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the clinic admin's audit page.")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-audit-"))
    try:
        throwaway_environment(data_dir)
        report = {"audit_page": audit_bench(args.rows, args.requests)}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    report["python"] = platform.python_version()
    report["cpu_count"] = os.cpu_count()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
