"""``rapport.measures.services.response_risk_review``: a risk answer is followed up once,
with a note of what was done, and the first note is never overwritten."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.measures.models import Response
from rapport.measures.services import response_record, response_risk_review

WHEN = timezone.make_aware(datetime(2026, 12, 6, 9, 0))


def risk_answer(client, key="risk-1") -> Response:
    """A PHQ-9 with item 9 answered "Several days"."""
    response, _ = response_record(
        client=client,
        instrument_id="phq9",
        answers={f"phq9_{n}": 1 for n in range(1, 10)},
        source="api",
        idempotency_key=key,
        administered_at=WHEN,
    )
    assert response.has_unreviewed_risk
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("note", ["", "  \n ", "x" * 2001])
def test_no_follow_up_is_recorded_without_a_usable_note(client_a, therapist_a, note):
    response = risk_answer(client_a)
    with pytest.raises(ValidationError) as raised:
        response_risk_review(actor=therapist_a, response=response, note=note)
    assert "note" in raised.value.message_dict
    response.refresh_from_db()
    assert response.risk_reviewed_at is None
    assert not AuditEvent.objects.filter(action=Action.UPDATE).exists()


@pytest.mark.django_db
def test_the_follow_up_records_who_when_and_the_note(client_a, supervisor):
    response = risk_answer(client_a)
    stored, recorded = response_risk_review(
        actor=supervisor, response=response, note="  Called; no intent.  ", now=WHEN
    )
    assert recorded
    stored = Response.objects.get(pk=response.pk)
    assert (stored.risk_reviewed_by, stored.risk_reviewed_at, stored.risk_review_note) == (
        supervisor,
        WHEN,
        "Called; no intent.",
    )
    event = AuditEvent.objects.get(action=Action.UPDATE)
    assert (event.actor, event.target, event.client_id) == (
        supervisor,
        f"response:{response.pk}",
        client_a.pk,
    )


@pytest.mark.django_db
def test_a_second_follow_up_from_a_page_loaded_before_the_first_keeps_the_first(
    client_a, therapist_a, supervisor
):
    # Both opened the client page while the answer was open: each holds a copy that says
    # "not followed up yet". The second must read the row again, not trust its copy.
    response = risk_answer(client_a)
    seen_by_therapist = Response.objects.get(pk=response.pk)
    seen_by_supervisor = Response.objects.get(pk=response.pk)
    first, recorded_first = response_risk_review(
        actor=therapist_a, response=seen_by_therapist, note="Therapist's note."
    )
    second, recorded_second = response_risk_review(
        actor=supervisor, response=seen_by_supervisor, note="Supervisor's note."
    )
    assert (recorded_first, recorded_second) == (True, False)
    assert (second.risk_reviewed_by, second.risk_review_note) == (therapist_a, "Therapist's note.")
    stored = Response.objects.get(pk=response.pk)
    assert (stored.risk_reviewed_by, stored.risk_review_note) == (therapist_a, "Therapist's note.")
    assert AuditEvent.objects.filter(action=Action.UPDATE).count() == 1


@pytest.mark.django_db
def test_an_answer_without_risk_cannot_be_followed_up(client_a, therapist_a):
    response, _ = response_record(
        client=client_a,
        instrument_id="phq9",
        answers={f"phq9_{n}": 0 for n in range(1, 10)},
        source="api",
        idempotency_key="no-risk",
        administered_at=WHEN,
    )
    with pytest.raises(ValidationError, match="raised no risk notice"):
        response_risk_review(actor=therapist_a, response=response, note="Checked.")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_follow_ups_recorded_before_notes_keep_no_note(client_a, therapist_a):
    executor = _migrate([("measures", "0003_key_import_idempotency_keys")])
    old = executor.loader.project_state([("measures", "0003_key_import_idempotency_keys")]).apps
    OldResponse = old.get_model("measures", "Response")
    OldResponse.objects.create(
        client_id=client_a.pk,
        instrument_id="phq9",
        instrument_version="1",
        administered_at=WHEN,
        source="api",
        idempotency_key="before-notes",
        item_values={"phq9_9": 1},
        risk_flags=["phq9_9"],
        risk_reviewed_at=WHEN,
        risk_reviewed_by_id=therapist_a.pk,
    )
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    stored = Response.objects.get(idempotency_key="before-notes")
    assert stored.risk_reviewed_at == WHEN and stored.risk_reviewed_by == therapist_a
    assert stored.risk_review_note == ""
    # Followed up already: no notice comes back, and a second follow-up records nothing.
    assert not stored.has_unreviewed_risk
    _stored, recorded = response_risk_review(actor=therapist_a, response=stored, note="Late.")
    assert not recorded
    assert Response.objects.get(pk=stored.pk).risk_review_note == ""
