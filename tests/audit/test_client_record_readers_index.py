""" "Who read your clients' records" (``client_record_readers``) seeks each client's rows of
the period asked about in the index on (client_id, at, action, actor_id), and passes over
the clinician's own reads there: it read every row each client ever had through the index
on client_id alone (at 70,000 rows, 18 ms on SQLite, 6.8 times a baseline query, and 3
times what it took on the log's last quarter alone; now 6 ms, 2.3 times, and the same on
either: bench/bench_audit_readers.py). What it answers is unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.audit.selectors import client_record_readers
from rapport.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _log(therapist, supervisor, client, now):
    """The therapist's own reads, a supervisor's, the command line's export, a change and
    reads older than the period: only the supervisor's and the export's are asked about."""
    rows = [
        (therapist, Action.VIEW, "client", 0),
        (therapist, Action.VIEW, "caseload", 1),
        (supervisor, Action.VIEW, "caseload", 2),
        (supervisor, Action.VIEW, "client", 3),
        ("cli", Action.EXPORT, "export", 4),
        (supervisor, Action.UPDATE, "goal:1", 5),  # a change, not a read
        (supervisor, Action.VIEW, "client", 200),  # before the period
    ]
    for actor, action, target, days_ago in rows:
        event = audit_record(actor=actor, action=action, target=target, client_id=client.pk)
        # The log is append-only through the ORM; a test moves a row it has just written
        # (not committed: the trigger of migration 0007 lets it) back in time.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET at = %s WHERE id = %s",
                [now - dt.timedelta(days=days_ago), event.pk],
            )


def test_it_answers_who_else_read_the_records_in_the_period(therapist_a, supervisor, client_a):
    now = timezone.now()
    _log(therapist_a, supervisor, client_a, now)
    readers = client_record_readers(therapist_a, since=now - dt.timedelta(days=90))
    assert [(r.label, r.role, r.reads, r.clients) for r in readers] == [
        (supervisor.email, supervisor.role, 2, 1),
        ("cli", "", 1, 1),
    ]
    assert readers[0].last_read == now - dt.timedelta(days=2)


def test_it_seeks_the_period_of_each_client_in_the_index(therapist_a, supervisor, client_a):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL weighs its indexes by the table's statistics: see the bench")
    now = timezone.now()
    _log(therapist_a, supervisor, client_a, now)
    with CaptureQueriesContext(connection) as queries:
        client_record_readers(therapist_a, since=now - dt.timedelta(days=90))
    [sql] = [q["sql"] for q in queries.captured_queries if AuditEvent._meta.db_table in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = [str(row[-1]) for row in cursor.fetchall()]
    [audit] = [line for line in plan if AuditEvent._meta.db_table in line]
    assert "USING INDEX audit_client_at_reads (client_id=? AND at>?)" in audit
