"""The admin's audit page filtered on a kind of event (sign-ins, failed sign-ins, account
security, staff accounts, settings, scheduled runs) or an exact action on users and
settings seeks the clinic's rows about no client in an index (``client_id IS NULL``), not
by walking every read of a client record in the clinic's log through the index on
(clinic_id, at) (112-156 ms at 100,000 rows for a kind with few or no rows, growing with
the log; bench/bench_audit.py's ``kind_*_growth``). SQLite seeks them in the index on
(clinic_id, client_id, at), newest first; PostgreSQL weighs that one against the index
on client_id and may take either."""

from __future__ import annotations

import pytest
from django.db import connection

from rapport.audit.models import Action, AuditEvent
from rapport.audit.selectors import (
    ACCOUNT_SECURITY,
    FAILED_SIGN_INS,
    SCHEDULED_OR_COMMAND_LINE,
    SETTINGS_CHANGED,
    SIGN_INS,
    STAFF_ACCOUNTS,
    admin_audit_page,
)
from rapport.audit.services import audit_record
from rapport.clinic.models import Clinic

pytestmark = pytest.mark.django_db

FILTERS = [
    SIGN_INS,
    FAILED_SIGN_INS,
    ACCOUNT_SECURITY,
    STAFF_ACCOUNTS,
    SETTINGS_CHANGED,
    SCHEDULED_OR_COMMAND_LINE,
    str(Action.UPDATE),  # "User or setting changed"
]


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def log(clinic, admin_user, therapist_a, client_a):
    """Two clinics' log as it grows: mostly reads of client records, some rows about no
    client (the other clinic's days of sign-ins, the installation's own work), and this
    clinic's sign-in and failed sign-in among them."""
    other = Clinic.objects.create(name="Other clinic")
    audit_record(
        actor=therapist_a, action=Action.UPDATE, target=f"auth:user:{therapist_a.pk}:sign-in-failed"
    )
    audit_record(
        actor=therapist_a, action=Action.CREATE, target=f"auth:user:{therapist_a.pk}:sign-in"
    )

    def row(clinic_id: int | None, client_id: int | None, target: str) -> AuditEvent:
        return AuditEvent(
            actor_label="someone@test.invalid",
            action=Action.VIEW if client_id else Action.CREATE,
            target=target,
            client_id=client_id,
            clinic_id=clinic_id,
        )

    AuditEvent.objects.bulk_create(
        [row(clinic.pk, client_a.pk, "caseload") for _ in range(5000)]
        + [row(other.pk, 999_999, "caseload") for _ in range(5000)]
        + [row(other.pk, None, "auth:user:999999:sign-in") for _ in range(1000)]
        + [row(None, None, "encryption-key:rotated") for _ in range(100)]
    )
    if connection.vendor == "postgresql":
        # PostgreSQL weighs its statistics: the log, analysed.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE audit_auditevent")


@pytest.mark.parametrize("kind", FILTERS)
def test_the_kind_filter_reads_the_index_of_rows_about_no_client(log, admin_user, kind):
    seen: list[tuple[str, object]] = []

    def keep(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(keep):
        page = admin_audit_page(admin_user, action=kind)

    [(sql, params)] = [(s, p) for s, p in seen if "audit_auditevent" in s]
    # The query as Django sends it, with its values bound: SQLite matches the partial
    # index's condition against the query's own terms.
    plan = _plan(sql, params)
    if connection.vendor == "sqlite":
        assert "USING INDEX audit_clinic_client_at (clinic_id=? AND client_id=?)" in plan, plan
    else:
        assert "Index Cond: " in plan and "client_id IS NULL" in plan, plan
        assert "audit_clinic_at " not in plan, plan
    assert all(event.client_id is None for event in page.events)


def test_the_sign_in_filters_show_their_rows_from_the_index(log, admin_user, therapist_a):
    [signed_in] = admin_audit_page(admin_user, action=SIGN_INS).events
    [failed] = admin_audit_page(admin_user, action=FAILED_SIGN_INS).events
    assert signed_in.target == f"auth:user:{therapist_a.pk}:sign-in"
    assert failed.target == f"auth:user:{therapist_a.pk}:sign-in-failed"
    assert admin_audit_page(admin_user, action=SCHEDULED_OR_COMMAND_LINE).events == []
