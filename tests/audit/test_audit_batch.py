"""``audit_batch``: the reads recorded inside are written in one INSERT when it ends, the
rows, fields and order those calls wrote one by one; a change's row is never held back,
nor one recorded inside a transaction; and no read is lost, whether the block fails or a
transaction that the held reads were written in is rolled back."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rapport.audit.context import audit_scope
from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import audit_batch, audit_record, audit_record_each

pytestmark = pytest.mark.django_db

_TABLE = AuditEvent._meta.db_table


def _inserts(queries) -> int:
    return sum(
        1
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("INSERT") and _TABLE in q["sql"]
    )


def _log() -> list[tuple[str, str, int | None]]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", "target", "client_id"))


def _read(actor, target: str, client_id: int = 1) -> None:
    audit_record(actor=actor, action=Action.VIEW, target=target, client_id=client_id)


def test_outside_a_batch_each_row_is_written_at_once(therapist_a):
    with CaptureQueriesContext(connection) as queries:
        _read(therapist_a, "a")
        assert _log() == [("view", "a", 1)]
        _read(therapist_a, "b")
    assert _inserts(queries) == 2


def test_reads_in_a_batch_are_written_together_when_it_ends(therapist_a):
    with CaptureQueriesContext(connection) as queries, audit_scope() as request_id, audit_batch():
        _read(therapist_a, "a")
        audit_record_each(actor=therapist_a, action=Action.VIEW, rows=[("b", 1), ("c", 2)])
        audit_record(actor=therapist_a, action=Action.EXPORT, target="d", client_id=1)
        assert _log() == []  # held
    assert _inserts(queries) == 1
    assert _log() == [("view", "a", 1), ("view", "b", 1), ("view", "c", 2), ("export", "d", 1)]
    rows = list(AuditEvent.objects.order_by("pk"))
    assert {(r.request_id, r.actor_id, r.actor_label, r.clinic_id) for r in rows} == {
        (request_id, therapist_a.pk, therapist_a.email, therapist_a.clinic_id)
    }


def test_a_change_is_written_at_once_after_the_reads_held_before_it(therapist_a):
    with CaptureQueriesContext(connection) as queries, audit_batch():
        _read(therapist_a, "a")
        audit_record(actor=therapist_a, action=Action.UPDATE, target="goal:1", client_id=1)
        assert _log() == [("view", "a", 1), ("update", "goal:1", 1)]
        _read(therapist_a, "b")
    assert _inserts(queries) == 2
    assert _log() == [("view", "a", 1), ("update", "goal:1", 1), ("view", "b", 1)]


def test_a_nested_batch_leaves_the_writing_to_the_outer_one(therapist_a):
    with audit_batch():
        with audit_batch():
            _read(therapist_a, "a")
        assert _log() == []
        _read(therapist_a, "b")
    assert _log() == [("view", "a", 1), ("view", "b", 1)]


def test_a_row_recorded_in_a_transaction_rolls_back_with_it_and_the_reads_before_it_stay(
    therapist_a,
):
    with audit_batch():
        _read(therapist_a, "a")
        with pytest.raises(RuntimeError), transaction.atomic():
            # Written here (with the read held before it): it belongs to this transaction.
            audit_record(actor=therapist_a, action=Action.CREATE, target="goal:1", client_id=1)
            assert _log() == [("view", "a", 1), ("create", "goal:1", 1)]
            raise RuntimeError
        _read(therapist_a, "b")
    # The read made before the transaction is written again; the change is gone with it.
    assert _log() == [("view", "a", 1), ("view", "b", 1)]


def test_reads_written_in_a_transaction_that_commits_are_not_written_twice(therapist_a):
    with audit_batch():
        _read(therapist_a, "a")
        with transaction.atomic():
            _read(therapist_a, "b")
        _read(therapist_a, "c")
    assert _log() == [("view", "a", 1), ("view", "b", 1), ("view", "c", 1)]


@pytest.mark.django_db(transaction=True)
def test_reads_held_when_the_block_fails_are_committed(therapist_a):
    with pytest.raises(RuntimeError), audit_batch():
        _read(therapist_a, "a")
        _read(therapist_a, "b")
        raise RuntimeError
    assert _log() == [("view", "a", 1), ("view", "b", 1)]


@pytest.mark.django_db(transaction=True)
def test_reads_written_in_a_rolled_back_transaction_are_committed_again(therapist_a):
    # As a server runs, in autocommit: the read was made before the transaction.
    with audit_batch():
        _read(therapist_a, "a")
        with pytest.raises(RuntimeError), transaction.atomic():
            _read(therapist_a, "in-transaction")
            raise RuntimeError
    assert _log() == [("view", "a", 1)]
