"""``rapport.measures.services.response_record``: validated, scored, stored once, audited."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.core import hooks
from rapport.measures.models import Response
from rapport.measures.services import response_record

WHEN = timezone.make_aware(datetime(2026, 2, 3, 10, 0))
PHQ9 = {f"phq9_{n}": 1 for n in range(1, 10)}


def record(client, **overrides):
    arguments = {
        "client": client,
        "instrument_id": "phq9",
        "answers": PHQ9,
        "source": "api",
        "idempotency_key": "key-1",
        "administered_at": WHEN,
    }
    return response_record(**{**arguments, **overrides})


@pytest.mark.django_db
def test_it_stores_the_answers_and_the_computed_scores_together(client_a, therapist_a):
    response, created = record(client_a, actor=therapist_a, answers={**PHQ9, "phq9_10": 1})
    assert created
    stored = Response.objects.get()
    assert stored == response
    assert stored.total == 9 and stored.band == "Mild"
    assert stored.item_values["phq9_10"] == 1
    assert stored.instrument_version == "1.0"
    assert stored.completeness == 1.0 and not stored.prorated
    assert stored.created_by == therapist_a
    assert stored.administered_at == WHEN


@pytest.mark.django_db
def test_the_same_idempotency_key_returns_the_stored_response_without_writing(client_a):
    first, created = record(client_a)
    audits = AuditEvent.objects.count()
    second, created_again = record(client_a)
    assert created and not created_again
    assert first.pk == second.pk
    assert Response.objects.count() == 1
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_a_key_cannot_be_reused_for_another_client(client_a, client_b):
    record(client_a)
    with pytest.raises(ValidationError) as error:
        record(client_b)
    assert "idempotency_key" in error.value.message_dict


@pytest.mark.django_db
def test_bad_answers_raise_one_message_per_item_and_store_nothing(client_a):
    answers = {**PHQ9, "phq9_2": 5, "phq9_3": "two", "phq9_11": 1}
    with pytest.raises(ValidationError) as error:
        record(client_a, answers=answers)
    messages = error.value.message_dict
    assert set(messages) == {"phq9_2", "phq9_3", "phq9_11"}
    assert "not one of the allowed values" in messages["phq9_2"][0]
    assert not Response.objects.exists()
    assert not AuditEvent.objects.filter(target__startswith="response").exists()


@pytest.mark.django_db
def test_an_unknown_instrument_is_a_validation_error(client_a):
    with pytest.raises(ValidationError) as error:
        record(client_a, instrument_id="phq-99")
    assert "instrument_id" in error.value.message_dict


@pytest.mark.django_db
def test_the_write_is_audited_as_the_client_link_for_client_submissions(client_a):
    response, _ = record(client_a, source="link", actor="client-link")
    event = AuditEvent.objects.get(target=f"response:{response.pk}:phq9")
    assert (event.actor_label, event.action, event.client_id) == (
        "client link",
        "submit",
        client_a.pk,
    )


@pytest.mark.django_db
def test_listeners_hear_about_each_new_response_once(client_a):
    heard = []
    hooks.on_response_stored(heard.append)
    try:
        record(client_a)
        record(client_a)
    finally:
        hooks._response_listeners.remove(heard.append)
    assert [r.pk for r in heard] == [Response.objects.get().pk]


@pytest.mark.django_db
def test_the_appointment_sets_the_episode_and_must_belong_to_the_client(client_a, client_b):
    appointment = client_a.episodes.get().appointments.first()
    response, _ = record(client_a, appointment=appointment)
    assert response.episode == appointment.episode
    with pytest.raises(ValidationError):
        record(client_b, appointment=appointment, idempotency_key="key-2")


@pytest.mark.django_db
def test_risk_flags_and_declined_items_are_stored(client_a):
    response, _ = record(
        client_a,
        instrument_id="session-checkin",
        answers={
            "goals": 5,
            "approach": 5,
            "relationship": 5,
            "overall": 5,
            "pushed": "prefer_not_to_answer",
        },
    )
    assert response.declined == ["pushed"] and response.total == 20
    risky, _ = record(client_a, answers={**PHQ9, "phq9_9": 2}, idempotency_key="key-3")
    assert risky.risk_flags == ["phq9_9"] and risky.has_unreviewed_risk


@pytest.mark.django_db
def test_naive_dates_are_read_in_the_clinic_time_zone(client_a):
    response, _ = record(client_a, administered_at=datetime(2026, 2, 3, 10, 0))
    assert response.administered_at == WHEN
