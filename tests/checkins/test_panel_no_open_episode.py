"""A client whose episodes have all ended: the panel keeps the past scores and offers nothing
to send; with a new episode open, only its own appointments can get a check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, appointment_of

from rapport.clinic.models import Appointment, Attendance
from rapport.clinic.services import episode_create, episode_end
from rapport.measures.services import response_record

INVITATION = "Send a check-in before or after the next appointment"


def end_episode(client, therapist):
    episode_end(
        actor=therapist,
        episode=client.episodes.get(),
        ended_on=timezone.localdate(),
        end_reason="planned",
    )


@pytest.mark.django_db
def test_no_open_episode_offers_no_check_in(login, therapist_a, client_a):
    end_episode(client_a, therapist_a)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert "Send a check-in" not in page and INVITATION not in page
    assert "no open episode of care" in page


@pytest.mark.django_db
def test_past_scores_stay_after_the_episode_ended(login, therapist_a, client_a):
    response_record(
        client=client_a,
        instrument_id="phq9",
        answers={item: 0 for item in PHQ9_ZERO},
        source="link",
        idempotency_key="ended-1",
        administered_at=timezone.now() - timedelta(days=7, hours=1),
        appointment=appointment_of(client_a),
        actor="client-link",
    )
    end_episode(client_a, therapist_a)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert 'id="series-phq9"' in page
    assert "Send a check-in" not in page and 'class="checkin-actions"' not in page


@pytest.mark.django_db
def test_only_the_open_episodes_appointments_can_get_a_check_in(login, therapist_a, client_a):
    ended_session = appointment_of(client_a)
    end_episode(client_a, therapist_a)
    episode = episode_create(actor=therapist_a, client=client_a, started_on=timezone.localdate())
    upcoming = Appointment.objects.create(
        episode=episode,
        starts_at=timezone.now() + timedelta(days=3),
        attendance=Attendance.SCHEDULED,
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    table = page[page.index('class="checkin-actions"') : page.index("</table>")]
    assert f"/appointments/{upcoming.pk}/checkins/new/" in table
    assert f"/appointments/{ended_session.pk}/checkins/new/" not in table
