"""A link ends with the episode of care: answered afterwards, a risk answer (PHQ-9 item 9)
would be stored in a closed episode whose client has left the caseload, and nobody would see
it. Ending the episode revokes every open link of it, and a link of a closed episode is
refused however the episode was closed.

Time-dependent rules are tested with a fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, episode_around, form_key

from rapport.audit.models import AuditEvent
from rapport.checkins.models import CheckIn
from rapport.checkins.services import CheckinUnavailable, checkin_create, checkin_submit
from rapport.clinic.models import Episode, Phase
from rapport.clinic.services import episode_end
from rapport.measures.models import Response

pytestmark = pytest.mark.django_db

FIXED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday
UNUSABLE = "This link cannot be used"
RISK = {**PHQ9_ZERO, "phq9_9": "3"}  # item 9, "nearly every day", as the page sends it
ANSWERS = {item: int(value) for item, value in PHQ9_ZERO.items()}  # as the service takes them


@pytest.fixture
def episode(client_a, monkeypatch):
    """Client A's episode as of FIXED (see ``episode_around``); the clock stands at FIXED."""
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    return episode_around(client_a, FIXED)


def next_week(episode):
    return episode.appointments.get(starts_at=FIXED + timedelta(days=7))


def last_week(episode):
    return episode.appointments.get(starts_at=FIXED - timedelta(days=7))


def test_a_phq9_sent_for_next_week_cannot_be_answered_once_the_episode_has_ended(
    client, episode, therapist_a
):
    before, token = checkin_create(
        actor=therapist_a, appointment=next_week(episode), instrument_id="phq9", timing="before"
    )
    key = form_key(client.get(f"/c/{token}/").content.decode())  # the client opened it
    episode_end(actor=therapist_a, episode=episode, ended_on=FIXED.date(), end_reason="planned")

    answered = client.post(f"/c/{token}/", {**RISK, "form_key": key})

    assert answered.status_code == 410
    assert UNUSABLE in answered.content.decode()
    assert not Response.objects.exists()
    before.refresh_from_db()
    assert before.revoked_at == FIXED and before.used_at is None
    assert AuditEvent.objects.filter(
        target=f"checkin:{before.pk}:revoked", actor_label="system", client_id=episode.client_id
    ).exists()
    opened_again = client.get(f"/c/{token}/")
    assert opened_again.status_code == 410 and UNUSABLE in opened_again.content.decode()


def test_ending_an_episode_revokes_its_links_about_past_sessions_too(client, episode, therapist_a):
    after, token = checkin_create(
        actor=therapist_a,
        appointment=last_week(episode),
        instrument_id="session-checkin",
        timing="after",
    )
    episode_end(actor=therapist_a, episode=episode, ended_on=FIXED.date(), end_reason="planned")
    after.refresh_from_db()
    assert after.revoked_at == FIXED
    assert client.get(f"/c/{token}/").status_code == 410


def test_a_link_already_answered_is_left_as_it_was(client, episode, therapist_a):
    answered, token = checkin_create(
        actor=therapist_a, appointment=next_week(episode), instrument_id="phq9", timing="before"
    )
    page = client.get(f"/c/{token}/").content.decode()
    client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": form_key(page)})
    episode_end(actor=therapist_a, episode=episode, ended_on=FIXED.date(), end_reason="planned")
    answered.refresh_from_db()
    assert answered.used_at == FIXED and answered.revoked_at is None
    assert Response.objects.get().episode_id == episode.pk


def close_without_episode_end(episode):
    """Closed some other way than the ending form (the admin, a shell, an import): no
    hook runs, so its links are not revoked."""
    Episode.objects.filter(pk=episode.pk).update(
        phase=Phase.CLOSED, ended_on=FIXED.date(), end_reason="dropped_out"
    )


def test_a_link_of_an_episode_closed_any_other_way_stores_nothing(episode, therapist_a):
    checkin, _token = checkin_create(
        actor=therapist_a, appointment=next_week(episode), instrument_id="phq9", timing="before"
    )
    close_without_episode_end(episode)

    with pytest.raises(CheckinUnavailable):
        checkin_submit(
            checkin=checkin, answers={**ANSWERS, "phq9_9": 3}, form_key="a-valid-form-key-123"
        )

    assert not Response.objects.exists()
    checkin.refresh_from_db()
    assert checkin.used_at is None and checkin.response_id is None


def test_the_client_is_told_the_link_can_no_longer_be_used(client, episode, therapist_a):
    _checkin, token = checkin_create(
        actor=therapist_a, appointment=next_week(episode), instrument_id="phq9", timing="before"
    )
    key = form_key(client.get(f"/c/{token}/").content.decode())
    close_without_episode_end(episode)

    answered = client.post(f"/c/{token}/", {**RISK, "form_key": key})
    opened = client.get(f"/c/{token}/")

    assert answered.status_code == opened.status_code == 410
    assert UNUSABLE in answered.content.decode() and UNUSABLE in opened.content.decode()
    assert "Question 1 of 9" not in opened.content.decode()
    assert not Response.objects.exists()


def test_a_repeat_of_an_answer_stored_before_the_ending_still_gets_its_answer(episode, therapist_a):
    checkin, _token = checkin_create(
        actor=therapist_a, appointment=next_week(episode), instrument_id="phq9", timing="before"
    )
    key = "a-valid-form-key-123"
    stored, created = checkin_submit(checkin=checkin, answers=ANSWERS, form_key=key)
    assert created
    close_without_episode_end(episode)
    again, created = checkin_submit(checkin=checkin, answers=ANSWERS, form_key=key)
    assert again == stored and not created
    assert CheckIn.objects.get().response_id == stored.pk
