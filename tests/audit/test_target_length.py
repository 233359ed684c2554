"""A target longer than the column is cut to 100 characters by one rule, whether one row
or many are written: the stored log reads the same, and PostgreSQL refuses nothing."""

from __future__ import annotations

import pytest

from rapport.audit.models import Action, AuditEvent
from rapport.audit.services import audit_record, audit_record_many


@pytest.mark.django_db
def test_one_row_and_many_rows_store_the_same_100_character_target(therapist_a, client_a):
    long_target = "page:" + "x" * 150

    single = audit_record(
        actor=therapist_a, action=Action.VIEW, target=long_target, client_id=client_a.pk
    )
    audit_record_many(
        actor=therapist_a, action=Action.VIEW, target=long_target, client_ids=[client_a.pk]
    )

    stored = list(
        AuditEvent.objects.filter(client_id=client_a.pk, target__startswith="page:")
        .order_by("pk")
        .values_list("target", flat=True)
    )
    assert stored == [long_target[:100], long_target[:100]]
    assert single.target == long_target[:100]
