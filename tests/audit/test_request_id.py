"""Every audit row says which HTTP request, command or run wrote it (``request_id``): one
caseload view writes a row per client, and an investigation (and the admin's page) must
tell those rows apart from the next view's."""

from __future__ import annotations

import uuid

import pytest
from tests.conftest import make_client

from rapport.audit.context import audit_scope, current_request_id
from rapport.audit.models import Action, AppendOnlyError, AuditEvent
from rapport.audit.services import audit_record, audit_record_many
from rapport.cli import main

pytestmark = pytest.mark.django_db


def _ids(**filters) -> list[uuid.UUID | None]:
    return list(AuditEvent.objects.filter(**filters).values_list("request_id", flat=True))


def test_the_rows_of_one_page_view_share_one_request_id_and_the_next_view_has_another(
    login, therapist_a, client_a
):
    make_client(therapist_a, "Olly Other")
    make_client(therapist_a, "Pat Third")
    http = login(therapist_a)
    http.get("/caseload/")
    first = _ids(target="caseload")
    assert len(first) == 3 and first[0] is not None and set(first) == {first[0]}
    http.get("/caseload/")
    second = set(_ids(target="caseload")) - set(first)
    assert len(second) == 1 and second != {first[0]}
    # A client's page writes several rows (the page and its panels), all of that request.
    http.get(f"/clients/{client_a.pk}/")
    page = AuditEvent.objects.get(target="client", action=Action.VIEW)
    rows = _ids(path=f"/clients/{client_a.pk}/")
    assert len(rows) > 1 and set(rows) == {page.request_id}
    assert page.request_id not in {first[0], *second}
    # The scope ends with the request: nothing leaks into the next one on this thread.
    assert current_request_id() is None


def test_a_command_gives_its_rows_one_request_id(monkeypatch, capsys, therapist_a):
    from rapport.api.services import api_token_create

    api_token_create(actor="cli", user=therapist_a, name="sync", days=30)
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-new-long-enough-passphrase")
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    assert main(["set-password", "--email", therapist_a.email]) == 0
    run = list(AuditEvent.objects.exclude(pk__in=before))
    # The password and the token the new password ends: one run, one id.
    assert len(run) >= 2
    ids = {e.request_id for e in run}
    assert len(ids) == 1 and None not in ids
    assert main(["set-password", "--email", therapist_a.email, "--own"]) == 0
    later = AuditEvent.objects.exclude(pk__in=before | {e.pk for e in run})
    assert later.exists() and {e.request_id for e in later}.isdisjoint(ids)
    assert current_request_id() is None


def test_outside_a_request_each_call_is_its_own_unit_and_a_batch_shares_one(client_a, clinic):
    other = make_client(client_a.therapist, "Olly Other")
    audit_record_many(
        actor="system",
        action=Action.VIEW,
        target="signals-recompute",
        client_ids=[client_a.pk, other.pk],
    )
    batch = set(_ids(target="signals-recompute"))
    assert len(batch) == 1 and None not in batch
    one = audit_record(actor="system", action=Action.UPDATE, target=f"clinic:{clinic.pk}")
    two = audit_record(actor="system", action=Action.UPDATE, target=f"clinic:{clinic.pk}")
    assert len({one.request_id, two.request_id, *batch}) == 3
    with audit_scope() as scope:
        three = audit_record(actor="system", action=Action.UPDATE, target=f"clinic:{clinic.pk}")
    assert three.request_id == scope


def test_the_request_id_is_append_only_like_the_rest_of_the_row(client_a, therapist_a):
    event = audit_record(
        actor=therapist_a, action=Action.VIEW, target="client", client_id=client_a.pk
    )
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(request_id=uuid.uuid4())
    event.request_id = uuid.uuid4()
    with pytest.raises(AppendOnlyError):
        event.save()


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_and_forth_and_old_rows_have_no_request_id(therapist_a):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    with connection.cursor() as cursor:  # a row as a release before the field wrote it
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_label, action, target, path)"
            " VALUES (CURRENT_TIMESTAMP, 'old@test.invalid', 'view', 'caseload', '')"
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert _ids(actor_label="old@test.invalid") == [None]
