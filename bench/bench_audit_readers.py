"""Benchmark: "who has read this clinician's clients' records" (``client_record_readers``,
the *Who can see your clients* page, ``/caseload/access/``) on a large audit log.

Run ``python bench/bench_audit_readers.py`` (options: ``--rows``, ``--requests``,
``--database-url``). It prints one JSON object and writes nothing into the repository: the
database is a temporary SQLite file, deleted afterwards, or, with ``--database-url`` (a
PostgreSQL database of its own: every table in it is created and emptied), that database.

Two clinics, each with three therapists of 40 clients and a supervisor of the first
therapist. The log (``--rows``, default 70,000, half each) spans the year up to now, a day
at a time: on each day each therapist opens their caseload (a *Read* row per client) and
five client pages (five rows each, the page and its panels), signs in and out; the
supervisor reads the first therapist's caseload once a week, and the command line exports
one of their clients once a month. So most of what is logged about a therapist's clients
is the therapist's own reading, which the question leaves out, and the other clinic's log
is none of it: the readers it names are a few hundred rows among 70,000.

Reported, as the first clinic's first therapist, each the median of ``--requests`` calls
after three that warm up:

* ``readers_query_ms``: ``client_record_readers`` over the last 90 days (as the page
  asks); ``baseline_query_ms``, a query of the same log measured in the same run (the
  clinic admin's first page of it, ``AuditEvent.objects.filter(clinic_id=...)`` newest
  first, 50 rows: an index seek); and ``readers_vs_baseline``, their ratio. Absolute times
  depend on the host and its load: the ratio, measured in one run, is what to compare;
* ``readers_growth``: the query's time on the whole year over its time when only the last
  quarter of it was written (the same 90 days, the same answer): about 1 when the query
  reads only the period it asks about, about 4 when it walks the clients' whole history;
* ``page_p50_ms``, ``baseline_page_p50_ms`` and their ratio: the page itself against
  ``/clients/new/`` (a signed-in page with the same template, middleware and session, and
  no audit data);
* ``plan``: the database's plan of the query (SQLite's ``EXPLAIN QUERY PLAN``, or
  PostgreSQL's ``EXPLAIN (ANALYZE, BUFFERS)``).

It only calls the selector and requests pages, so it runs on older code too: copy it
(with ``_env.py``) into a worktree of an earlier commit for the "before" figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

from _env import throwaway_environment, time_page

CLIENTS = 40
THERAPISTS = 3
DAYS = 365
HISTORY_DAYS = 90  # accounts.selectors.ACCESS_HISTORY_DAYS


def _seed_people(name: str):
    """A clinic's therapists, the first one's supervisor and each therapist's clients."""
    from rapport.accounts.models import Role, SupervisionLink, User
    from rapport.clinic.models import Client, Clinic

    clinic = Clinic.objects.create(name=name)
    slug = name.lower().replace(" ", "-")

    def user(email: str, role: str) -> User:
        return User.objects.create_user(
            email, "bench-password-not-secret", role=role, clinic=clinic
        )

    therapists = [user(f"therapist{n}@{slug}.invalid", Role.THERAPIST) for n in range(THERAPISTS)]
    supervisor = user(f"supervisor@{slug}.invalid", Role.SUPERVISOR)
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapists[0])
    caseloads = {
        t.pk: Client.objects.bulk_create(
            Client(clinic=clinic, therapist=t, display_name=f"Client {n}-{i}", birth_year=1980)
            for i in range(CLIENTS)
        )
        for n, t in enumerate(therapists)
    }
    return therapists, supervisor, caseloads


def _day(therapists, supervisor, caseloads, day: int) -> list:
    """The audit rows of one day (unsaved), in the order the pages write them."""
    from rapport.audit.models import Action, AuditEvent

    rows: list[AuditEvent] = []

    def read(actor, label: str, client_id: int | None, target: str, action=Action.VIEW):
        rows.append(
            AuditEvent(
                actor=actor,
                actor_label=label,
                action=action,
                target=target,
                client_id=client_id,
                clinic_id=therapists[0].clinic_id,
                path="/bench/",
            )
        )

    panels = ("client", "risk-notices", "monitoring", "preferences", "responses")
    for t in therapists:
        clients = caseloads[t.pk]
        read(t, t.email, None, f"auth:user:{t.pk}:sign-in", Action.CREATE)
        for client in clients:
            read(t, t.email, client.pk, "caseload")
        for k in range(5):
            client = clients[(day * 5 + k) % len(clients)]
            for target in panels:
                read(t, t.email, client.pk, target)
        read(t, t.email, None, f"auth:user:{t.pk}:sign-out", Action.DELETE)
    if day % 7 == 0:
        for client in caseloads[therapists[0].pk]:
            read(supervisor, supervisor.email, client.pk, "caseload")
    if day % 30 == 0:
        client = caseloads[therapists[0].pk][day % CLIENTS]
        read(None, "cli", client.pk, "export", Action.EXPORT)
    return rows


def _days(people, rows: int) -> int:
    """How many days of the log make ``rows`` rows (about)."""
    sample = [sum(len(_day(*clinic, day)) for clinic in people) for day in range(28)]
    return max(1, round(rows / statistics.mean(sample)))


def _write_log(people, days: range, total_days: int, now: dt.datetime) -> None:
    """The log's ``days`` (of ``total_days``, which end ``now`` and span a year), each
    day's rows stamped with its date, in one transaction."""
    from django.db import transaction

    from rapport.audit.models import AuditEvent

    with transaction.atomic():
        for day in days:
            at = now - dt.timedelta(days=DAYS * (total_days - day) / total_days)
            with mock.patch("django.utils.timezone.now", return_value=at):
                for clinic in people:
                    AuditEvent.objects.bulk_create(_day(*clinic, day))


def _median_ms(call, repeats: int) -> float:
    for _ in range(3):
        call()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _plan(call) -> list[str]:
    """The database's plan of the query ``call`` makes on the audit log."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        call()
    [sql] = [q["sql"] for q in queries.captured_queries if "audit_auditevent" in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return [row[-1] for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return [row[0] for row in cursor.fetchall()]


def readers_bench(rows: int, requests: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, connection
    from django.test import Client as HttpClient
    from django.utils import timezone

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    call_command("migrate", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)

    from rapport.audit.models import AuditEvent
    from rapport.audit.selectors import client_record_readers

    now = timezone.now()
    started = time.perf_counter()
    people = [_seed_people(name) for name in ("Bench clinic", "Other clinic")]
    therapist = people[0][0][0]
    since = now - dt.timedelta(days=HISTORY_DAYS)

    def readers():
        return client_record_readers(therapist, since=since)

    def baseline():
        return list(
            AuditEvent.objects.filter(clinic_id=therapist.clinic_id).order_by("-at", "-pk")[:50]
        )

    def analyze() -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    # The last quarter of the year first: the question is about the last 90 days, so its
    # answer is the same once the older three quarters are written too.
    total = _days(people, rows)
    _write_log(people, range(total * 3 // 4, total), total, now)
    analyze()
    quarter_rows = AuditEvent.objects.count()
    quarter_ms = _median_ms(readers, requests)
    _write_log(people, range(total * 3 // 4), total, now)
    analyze()
    seeded = time.perf_counter() - started

    found = readers()
    readers_ms = _median_ms(readers, requests)
    baseline_ms = _median_ms(baseline, requests)
    http = HttpClient()
    http.force_login(therapist)
    page = statistics.median(time_page(http, "/caseload/access/", requests)[0]) * 1000
    base_page = statistics.median(time_page(http, "/clients/new/", requests)[0]) * 1000
    return {
        "database": connection.vendor,
        "audit_rows": AuditEvent.objects.count(),
        "quarter_rows": quarter_rows,
        "seed_seconds": round(seeded, 1),
        "readers": [(r.label, r.reads, r.clients) for r in found],
        "readers_query_ms": round(readers_ms, 2),
        "baseline_query_ms": round(baseline_ms, 2),
        "readers_vs_baseline": round(readers_ms / baseline_ms, 1),
        "readers_query_ms_at_quarter": round(quarter_ms, 2),
        "readers_growth": round(readers_ms / quarter_ms, 2),
        "page_p50_ms": round(page, 1),
        "baseline_page_p50_ms": round(base_page, 1),
        "page_vs_baseline_page": round(page / base_page, 2),
        "plan": _plan(readers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=70_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--database-url",
        default="",
        help="a PostgreSQL database of its own (emptied first); default: a temporary SQLite file",
    )
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-readers-"))
    try:
        throwaway_environment(data_dir, args.database_url or None)
        report = {"client_record_readers": readers_bench(args.rows, args.requests)}
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    report["python"] = platform.python_version()
    report["cpu_count"] = os.cpu_count()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
