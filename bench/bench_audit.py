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
* **actor filter**: ``/manage/audit/?actor=therapist``;
* **kind filters**: ``/manage/audit/?action=<kind>``, a kind of event: failed sign-ins (one
  row, the oldest of the log: the page looks through every row of its kind's index to
  find it), scheduled runs (none) and sign-ins (many). These are timed twice, when a
  quarter of the log is written and when all of it is, and the ratio of the two p50s is
  reported (``kind_<name>_growth``): about 1 when the page's time does not grow with the
  log (the reads of client records that make it up), about 4 when it walks the log. The
  page's own query is timed alone too (``kind_<name>_query_growth``, the median of 30
  calls of ``admin_audit_page``): the page's other work, the same at both sizes, and the
  load of the machine move it less.

Each "day" of a clinic (ten of its requests) also writes its therapist's sign-in and
sign-out (``auth:user:<id>:…``, as rapport.accounts.security_audit does).

The cost of writing one audit row is reported too (``insert_*_us``): a read of a client
record, most of what the log is written with (every page view of a client), and a row about
no client (a sign-in), each the median microseconds of an ``INSERT`` in one transaction
(rolled back), so that the cost of the indexes, not of committing, is what is compared.

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


def _write_log(clinics, rows: int, step: int = 0) -> int:
    """Audit rows written through the audit service as the pages write them, up to ``rows``
    in the log, the clinics' requests taking turns from ``step`` (so each clinic's rows are
    spread over the whole log); the next step."""
    from rapport.audit.context import audit_scope
    from rapport.audit.models import Action, AuditEvent
    from rapport.audit.services import audit_record, audit_record_many

    written = AuditEvent.objects.count()
    if step == 0:  # one failed sign-in, the oldest row of the first clinic
        admin, therapist, _clients = clinics[0]
        audit_record(
            actor=therapist, action=Action.UPDATE, target=f"auth:user:{therapist.pk}:sign-in-failed"
        )
        written += 1
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
            else:  # the admin's work on a user; the therapist's day signed in and out
                audit_record(
                    actor=admin, action=Action.UPDATE, target=f"user:{therapist.pk}:full_name"
                )
                for action, what in ((Action.CREATE, "sign-in"), (Action.DELETE, "sign-out")):
                    audit_record(
                        actor=therapist, action=action, target=f"auth:user:{therapist.pk}:{what}"
                    )
                written += 3
        step += 1
    return step


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


KIND_PAGES = {
    "kind_failed_sign_ins": "/manage/audit/?action=failed-sign-ins",
    "kind_scheduled_runs": "/manage/audit/?action=system",
    "kind_sign_ins": "/manage/audit/?action=sign-ins",
}


def _insert_us(therapist, client_id: int | None, target: str, count: int = 2000) -> float:
    """The median microseconds of one ``INSERT`` of an audit row, in a transaction rolled
    back (the log is left as it was; the commit, the same whatever the indexes, is not
    timed)."""
    from django.db import transaction

    from rapport.audit.models import Action, AuditEvent

    times = []
    with transaction.atomic():
        for _ in range(count):
            started = time.perf_counter()
            AuditEvent.objects.create(
                actor=therapist,
                actor_label=therapist.email,
                action=Action.VIEW,
                target=target,
                client_id=client_id,
                clinic_id=therapist.clinic_id,
            )
            times.append(time.perf_counter() - started)
        transaction.set_rollback(True)
    return round(statistics.median(times) * 1e6, 1)


def _kind_query_ms(admin, repeats: int = 30) -> dict[str, float]:
    """The median milliseconds of the page's query of each kind (``admin_audit_page``)."""
    from rapport.audit.selectors import admin_audit_page

    medians = {}
    for name, path in KIND_PAGES.items():
        kind = path.rsplit("=", 1)[1]
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            admin_audit_page(admin, action=kind)
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times) * 1000
    return medians


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
        step = _write_log(clinics, rows // 4)
    admin, therapist, clients = clinics[0]
    client = clients[0]
    http = HttpClient()
    http.force_login(admin)
    # The kind filters on a quarter of the log, then on all of it.
    quarter_rows = AuditEvent.objects.count()
    quarter = {name: time_page(http, path, requests)[0] for name, path in KIND_PAGES.items()}
    quarter_queries = _kind_query_ms(admin)
    with transaction.atomic():
        _write_log(clinics, rows, step)
    seeded = time.perf_counter() - started
    keyset = any(f.name == "clinic_id" for f in AuditEvent._meta.get_fields())
    pages = {
        "page_1": "/manage/audit/",
        "deep_page": _deep_page_path(admin),
        "client_filter": f"/manage/audit/?client={client.pk}",
        "actor_filter": "/manage/audit/?actor=therapist",
        **KIND_PAGES,
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
    report["kind_growth_rows"] = [quarter_rows, report["audit_rows"]]
    for name, times in quarter.items():
        report[f"{name}_p50_ms_at_quarter"] = round(statistics.median(times) * 1000, 1)
        report[f"{name}_growth"] = round(
            statistics.median(measured[name]) / statistics.median(times), 2
        )
    for name, ms in _kind_query_ms(admin).items():
        report[f"{name}_query_ms"] = [round(quarter_queries[name], 2), round(ms, 2)]
        report[f"{name}_query_growth"] = round(ms / quarter_queries[name], 2)
    report["insert_client_read_us"] = _insert_us(therapist, client.pk, "client")
    report["insert_no_client_us"] = _insert_us(therapist, None, f"auth:user:{therapist.pk}:sign-in")
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
