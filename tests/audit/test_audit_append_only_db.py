"""On PostgreSQL the database refuses an UPDATE or DELETE of a committed audit row, whoever
sends it (audit migration 0007), and what Django legitimately does still goes through: a
user account deleted sets its rows' actor to NULL, the test runner's flush (TRUNCATE), and a
test that moves a row it has just written (not committed) back in time.

Committed rows need tests that commit: ``transaction=True``."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction
from tests.conftest import make_client

from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import audit_record

committed = pytest.mark.django_db(transaction=True)

ONLY_POSTGRESQL = (
    "the trigger is created on PostgreSQL only: on SQLite the app's own refusal is the "
    "guard (tests/audit/test_audit_log.py)"
)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRESQL)


def _raw(sql: str, params) -> None:
    """Run ``sql`` as the app's database role would, bypassing the ORM's own refusal."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _stored(pk: int) -> tuple:
    return AuditEvent.objects.filter(pk=pk).values_list("actor_id", "actor_label", "target")[0]


@pytest.fixture
def event(therapist_a):
    return audit_record(actor=therapist_a, action=Action.VIEW, target="client")


@committed
def test_a_raw_update_of_an_audit_row_is_refused(event, therapist_a):
    with pytest.raises(DatabaseError, match="append-only: UPDATE"):
        _raw("UPDATE audit_auditevent SET target = %s WHERE id = %s", ["nothing", event.pk])
    assert _stored(event.pk) == (therapist_a.pk, therapist_a.email, "client")


@committed
def test_a_raw_delete_of_an_audit_row_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only: DELETE"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@committed
def test_a_later_transaction_with_a_row_of_its_own_still_cannot_touch_an_older_one(event):
    with pytest.raises(DatabaseError, match="append-only: DELETE"), transaction.atomic():
        audit_record(actor="cli", action=Action.VIEW, target="another")
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@committed
def test_clearing_the_actor_while_changing_anything_else_is_refused(event, therapist_a):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(
            "UPDATE audit_auditevent SET actor_id = NULL, actor_label = %s WHERE id = %s",
            ["someone@else.invalid", event.pk],
        )
    assert _stored(event.pk) == (therapist_a.pk, therapist_a.email, "client")


@committed
def test_a_deleted_account_leaves_its_rows_naming_it_by_email(therapist_a):
    """Django sets the rows' actor to NULL (on_delete=SET_NULL): the one change let through."""
    client = make_client(therapist_a, with_episode=False)
    event = audit_record(
        actor=therapist_a, action=Action.VIEW, target="client", client_id=client.pk
    )
    email = therapist_a.email
    client.delete()
    therapist_a.delete()
    assert _stored(event.pk) == (None, email, "client")


@pytest.mark.django_db
def test_a_row_not_committed_yet_may_change_in_its_own_transaction(therapist_a):
    """As a test that dates a read it has just written back by 100 days."""
    event = audit_record(actor=therapist_a, action=Action.VIEW, target="client")
    _raw("UPDATE audit_auditevent SET target = %s WHERE id = %s", ["moved", event.pk])
    assert _stored(event.pk)[2] == "moved"


@pytest.mark.django_db
def test_truncate_is_not_refused(therapist_a):
    """Django's flush between TransactionTestCase tests empties tables with TRUNCATE."""
    audit_record(actor=therapist_a, action=Action.VIEW, target="client")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditevent")  # undone with the test's transaction
    assert not AuditEvent.objects.exists()


@committed
def test_the_migration_backwards_drops_the_trigger_and_forwards_restores_it(event):
    migration = importlib.import_module("rapport.audit.migrations.0007_append_only_trigger")
    try:
        with connection.schema_editor() as editor:
            migration.drop_trigger(apps, editor)
        _raw("UPDATE audit_auditevent SET target = %s WHERE id = %s", ["changed", event.pk])
        assert _stored(event.pk)[2] == "changed"
    finally:
        with connection.schema_editor() as editor:
            migration.create_trigger(apps, editor)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditevent SET target = %s WHERE id = %s", ["again", event.pk])
