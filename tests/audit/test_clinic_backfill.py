"""Rows stored before each audit row kept its clinic get it from the migration, by the rule
the admin's page applied to them: each clinic's admin sees the very rows they saw before,
and the rows written since hold what the migration would have given them."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from tests.audit._clinic_log import elsewhere, old_rule_ids, write_a_log

from rapport.audit.models import AppendOnlyError, AuditEvent

BACKFILL = "rapport.audit.migrations.0004_backfill_clinic_id"


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target if target else executor.loader.graph.leaf_nodes())


def _stored() -> dict[int, int | None]:
    return dict(AuditEvent.objects.values_list("pk", "clinic_id"))


@pytest.mark.django_db(transaction=True)
def test_the_backfill_gives_each_clinic_the_rows_the_old_rule_gave_it_back_and_forth(
    client, admin_user, therapist_a, client_a, monkeypatch, capsys
):
    there = elsewhere()
    write_a_log(
        client,
        admin=admin_user,
        therapist=therapist_a,
        client=client_a,
        there=there,
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    written = _stored()
    admins = (admin_user, there.admin)
    # Small batches, so the log spans several of them (and a gap between ids).
    monkeypatch.setattr(importlib.import_module(BACKFILL), "BATCH", 7)

    _migrate([("audit", "0003_auditevent_clinic_id")])  # the fill undone: column empty
    assert set(_stored().values()) == {None}
    _migrate([("audit", "0002_auditevent_request_id")])  # the release before the column
    with connection.cursor() as cursor:  # rows as that release wrote them, by label only
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_label, action, target, path)"
            " VALUES (CURRENT_TIMESTAMP, %s, 'update', %s, '')",
            [there.admin.email, f"user:{there.therapist.pk}:full_name"],
        )
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_label, action, target, path)"
            " VALUES (CURRENT_TIMESTAMP, 'system', 'update', %s, '')",
            [f"dropout-calibration:clinic:{admin_user.clinic_id}"],
        )
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_label, action, target, path)"
            " VALUES (CURRENT_TIMESTAMP, 'cli', 'update', 'encryption-key-rotation', '')"
        )
    old = {admin.clinic_id: old_rule_ids(admin) for admin in admins}
    _migrate(None)

    stored = _stored()
    for admin in admins:
        rows = {pk for pk, clinic_id in stored.items() if clinic_id == admin.clinic_id}
        assert rows == old[admin.clinic_id] and rows, admin
    # The rows written through the app hold what the migration gives them.
    assert {pk: stored[pk] for pk in written} == written
    assert len(stored) == len(written) + 3
    rotations = AuditEvent.objects.filter(target="encryption-key-rotation")
    assert rotations.count() == 2 and set(rotations.values_list("clinic_id", flat=True)) == {None}
    # The application's guard is untouched by the migration's fill.
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(clinic_id=admin_user.clinic_id).update(clinic_id=None)
