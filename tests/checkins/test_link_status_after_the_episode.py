"""A link of an ended episode is not reported as open.

Ending an episode revokes its links, but an episode closed any other way (a shell, an
import) leaves them unrevoked, and ``checkin_submit`` refuses them all the same. The token
lookup said "open" (usable) for such a link; it now says "episode_ended", not usable, as
the client's page and the submission treat it. Fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, open_and_answer

from rapport.checkins.selectors import EPISODE_ENDED, checkin_for_token, link_status
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, Episode, Phase

pytestmark = pytest.mark.django_db

FIXED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def next_week(client_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    episode = client_a.episodes.get()
    episode.started_on = (FIXED - timedelta(days=30)).date()
    episode.save()
    episode.appointments.all().delete()
    return Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=7))


def close_without_episode_end(episode):
    """Closed some other way than the ending form: no hook runs, no link is revoked."""
    Episode.objects.filter(pk=episode.pk).update(
        phase=Phase.CLOSED, ended_on=FIXED.date(), end_reason="dropped_out"
    )


def test_a_link_of_an_episode_closed_any_other_way_is_not_reported_open(
    client, next_week, therapist_a
):
    checkin, token = checkin_create(
        actor=therapist_a, appointment=next_week, instrument_id="phq9", timing="before"
    )
    assert checkin_for_token(token).status == "open"
    close_without_episode_end(next_week.episode)

    lookup = checkin_for_token(token)

    assert lookup.checkin == checkin
    assert lookup.status == EPISODE_ENDED == "episode_ended"
    assert not lookup.usable
    checkin.refresh_from_db()
    assert checkin.revoked_at is None  # nothing revoked it: the status says why it fails
    assert link_status(checkin, now=FIXED) == EPISODE_ENDED
    # And the client's page agrees, as before.
    assert client.get(f"/c/{token}/").status_code == 410


def test_an_answered_link_of_an_ended_episode_stays_answered(client, next_week, therapist_a):
    checkin, token = checkin_create(
        actor=therapist_a, appointment=next_week, instrument_id="phq9", timing="before"
    )
    assert open_and_answer(client, token, PHQ9_ZERO).status_code == 200
    close_without_episode_end(next_week.episode)
    checkin.refresh_from_db()
    assert checkin_for_token(token).status == "used"
    assert link_status(checkin, now=FIXED) == "used"


def test_an_expired_link_of_an_ended_episode_stays_expired(next_week, therapist_a):
    checkin, token = checkin_create(
        actor=therapist_a, appointment=next_week, instrument_id="phq9", timing="before"
    )
    close_without_episode_end(next_week.episode)
    later = checkin.expires_at + timedelta(minutes=1)
    assert checkin_for_token(token, now=later).status == "expired"
