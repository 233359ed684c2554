"""A link made while its episode is being ended is either revoked by the ending or refused,
never left open for an ended episode.

``checkin_create`` checked the episode it was handed (loaded before its transaction) and
``episode_end`` did not lock the episode row: a link could pass the open check, commit after
the ending had revoked the episode's links, and be listed as open (submitting it was still
refused). Both now lock the episode row and decide on what it holds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.clinic._races import first_held_then_second, real_concurrency

from rapport.checkins.models import CheckIn
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, EndReason, Episode, Phase
from rapport.clinic.services import episode_end


def last_week(client):
    """Last week's appointment, with its episode loaded now (as a page would before the
    form is sent)."""
    return (
        Appointment.objects.select_related("episode__client")
        .filter(episode__client=client, starts_at__lt=timezone.now())
        .get()
    )


def open_links(episode) -> list[CheckIn]:
    now = timezone.now()
    return [c for c in CheckIn.objects.filter(episode=episode) if c.is_open(now)]


@pytest.mark.django_db
def test_no_link_is_made_once_the_stored_episode_has_ended(therapist_a, client_a):
    appointment = last_week(client_a)
    assert appointment.episode.is_open  # what the caller holds, read before the ending
    episode_end(
        actor=therapist_a,
        episode=Episode.objects.get(pk=appointment.episode_id),
        ended_on=timezone.localdate(),
        end_reason=EndReason.PLANNED,
    )
    with pytest.raises(ValidationError, match="This episode of care has ended"):
        checkin_create(actor=therapist_a, appointment=appointment, instrument_id="phq9")
    assert not CheckIn.objects.filter(appointment=appointment).exists()


@pytest.mark.django_db
def test_an_episode_ended_meanwhile_is_not_ended_again(therapist_a, client_a):
    stale = client_a.episodes.get()  # the End episode page, loaded in a second tab
    today = timezone.localdate()
    episode_end(
        actor=therapist_a,
        episode=client_a.episodes.get(),
        ended_on=today,
        end_reason=EndReason.PLANNED,
        summary="Goals met",
    )
    with pytest.raises(ValidationError, match="already ended"):
        episode_end(
            actor=therapist_a,
            episode=stale,
            ended_on=today - timedelta(days=1),
            end_reason=EndReason.DROPPED_OUT,
        )
    stored = client_a.episodes.get()
    assert (stored.phase, stored.ended_on, stored.end_reason, stored.ending_summary) == (
        Phase.CLOSED,
        today,
        EndReason.PLANNED,
        "Goals met",
    )


@pytest.mark.django_db(transaction=True)
def test_a_link_made_while_the_episode_ends_is_not_left_open(therapist_a, client_a):
    """The race itself: the link passes every check, then the episode is ended (and its
    open links revoked) before the link is stored. Without the episode lock the link
    committed after the revocation and stayed open; with it the ending waits for the link
    and revokes it."""
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")
    appointment = last_week(client_a)
    episode_id = appointment.episode_id

    def end_episode():
        return episode_end(
            actor=therapist_a,
            episode=Episode.objects.get(pk=episode_id),
            ended_on=timezone.localdate(),
            end_reason=EndReason.PLANNED,
        )

    # The link is held before it is stored until the ending is done; with the episode lock
    # the ending cannot be done meanwhile, and the link goes on after a while.
    results = first_held_then_second(
        CheckIn,
        lambda: checkin_create(actor=therapist_a, appointment=appointment, instrument_id="phq9"),
        end_episode,
    )

    assert isinstance(results["second"], Episode), results
    assert Episode.objects.get(pk=episode_id).phase == Phase.CLOSED
    assert open_links(Episode(pk=episode_id)) == []
    link = results["first"]
    if isinstance(link, tuple):  # made first, then revoked by the ending
        assert CheckIn.objects.get(pk=link[0].pk).revoked_at is not None
    else:
        assert isinstance(link, ValidationError), results
