"""The booking-clash lookup is a read, scoped to the user asking (DESIGN §3): it tells a
client's name only to someone who may see that client, and never hands out another
client's appointment itself (its episode, its client), only the time it holds."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from tests.conftest import make_client

from rapport.clinic import services
from rapport.clinic.models import Appointment
from rapport.clinic.selectors import BookingClash, appointment_clashes_for


def a_day_ahead_at(hour: int, minute: int = 0) -> datetime:
    day = timezone.localdate() + timedelta(days=14)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def cleos_nine_oclock(therapist_a):
    cleo = make_client(therapist_a, "Cleo S.")
    return Appointment.objects.create(
        episode=cleo.episodes.get(), starts_at=a_day_ahead_at(9), duration_minutes=50
    )


@pytest.mark.django_db
def test_the_therapist_is_told_whose_booking_it_clashes_with(therapist_a, cleos_nine_oclock):
    gus = make_client(therapist_a, "Gus G.")
    told = appointment_clashes_for(therapist_a, gus.episodes.get(), a_day_ahead_at(9, 30), 50)
    assert told == [
        BookingClash(
            appointment_id=cleos_nine_oclock.pk,
            starts_at=a_day_ahead_at(9),
            client_id=cleos_nine_oclock.episode.client_id,
            client_name="Cleo S.",
        )
    ]


@pytest.mark.django_db
def test_someone_who_may_not_see_the_client_is_told_the_time_only(
    therapist_a, therapist_b, cleos_nine_oclock
):
    gus = make_client(therapist_a, "Gus G.")
    told = appointment_clashes_for(therapist_b, gus.episodes.get(), a_day_ahead_at(9, 30), 50)
    assert [(c.starts_at, c.client_id, c.client_name) for c in told] == [
        (a_day_ahead_at(9), None, None)
    ]
    # What is handed back holds no appointment, episode or client to read on from.
    assert {f.name for f in fields(BookingClash)} == {
        "appointment_id",
        "starts_at",
        "client_id",
        "client_name",
    }


@pytest.mark.django_db
def test_a_time_at_the_calendars_end_clashes_with_nothing(therapist_a, cleos_nine_oclock):
    episode = cleos_nine_oclock.episode
    for when in (
        datetime(1, 1, 1, 0, 10, tzinfo=timezone.get_current_timezone()),
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone.get_current_timezone()),
    ):
        assert appointment_clashes_for(therapist_a, episode, when, 50) == []


def test_the_unscoped_lookup_is_gone_from_the_services():
    """Writes live in services; a read there took no user and returned every client's."""
    assert not hasattr(services, "appointment_clashes")
