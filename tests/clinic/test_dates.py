"""Dates of care are checked where they are written: no year 1, no episode that starts
after its own appointments, no double booking. Each refusal changes nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from tests.conftest import make_client

from rapport.clinic.models import Appointment, Episode
from rapport.clinic.services import appointment_create, episode_create, episode_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", [1, 1899])
def test_an_episode_or_appointment_in_an_impossible_year_is_refused(therapist_a, year):
    client = make_client(therapist_a, with_episode=False)
    with pytest.raises(ValidationError, match="Enter a date between 1900"):
        episode_create(actor=therapist_a, client=client, started_on=date(year, 1, 1))
    assert not Episode.objects.filter(client=client).exists()
    episode = episode_create(actor=therapist_a, client=client, started_on=timezone.localdate())
    long_ago = timezone.now().replace(year=year, month=1, day=1)
    with pytest.raises(ValidationError, match="Enter a date between 1900"):
        appointment_create(actor=therapist_a, episode=episode, starts_at=long_ago)
    assert not episode.appointments.exists()


def test_a_year_1_booking_no_longer_breaks_the_client_page(login, therapist_a, client_a):
    episode = client_a.episodes.get()
    http = login(therapist_a)
    response = http.post(
        f"/episodes/{episode.pk}/appointments/new/",
        {"starts_at": "0001-01-01T00:10", "modality": "in_person", "duration_minutes": 50},
    )
    assert response.status_code == 400 and "Enter a date between 1900" in response.content.decode()
    booked = list(episode.appointments.order_by("starts_at"))
    assert len(booked) == 2 and all(a.starts_at.year > 1 for a in booked)
    response = http.get(f"/clients/{client_a.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{client_a.display_name}</h1>" in page
    # The appointments table lists the two booked before, and no year 1.
    assert re.findall(r"<tr>\s*<td>([^<]*)</td>", page) == [
        date_format(timezone.localtime(a.starts_at), "D j M Y, H:i") for a in booked
    ]
    assert "0001" not in page


def test_an_episode_cannot_be_moved_to_start_after_its_first_appointment(therapist_a, client_a):
    episode = client_a.episodes.get()
    first = episode.appointments.order_by("starts_at").first()
    later = timezone.localdate(first.starts_at) + timedelta(days=1)
    with pytest.raises(ValidationError, match="cannot start after its first appointment"):
        episode_update(actor=therapist_a, episode=episode, started_on=later)
    episode.refresh_from_db()
    assert episode.started_on < later
    earlier = timezone.localdate(first.starts_at) - timedelta(days=3)
    episode_update(actor=therapist_a, episode=episode, started_on=earlier)
    episode.refresh_from_db()
    assert episode.started_on == earlier


def test_a_second_appointment_at_the_same_time_is_refused(therapist_a, client_a):
    episode = client_a.episodes.get()
    when = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    appointment_create(actor=therapist_a, episode=episode, starts_at=when)
    with pytest.raises(ValidationError, match="already has an appointment at this time"):
        appointment_create(actor=therapist_a, episode=episode, starts_at=when)
    assert Appointment.objects.filter(episode=episode, starts_at=when).count() == 1


def test_an_overlong_ending_summary_is_refused_and_the_episode_stays_open(
    login, therapist_a, client_a
):
    episode = client_a.episodes.get()
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/end/",
        {
            "ended_on": timezone.localdate().isoformat(),
            "end_reason": "planned",
            "summary": "x" * 10001,
        },
    )
    assert response.status_code == 400
    assert "at most 10000 characters" in response.content.decode()
    episode.refresh_from_db()
    assert episode.is_open


def test_the_new_client_form_sent_twice_makes_one_client(login, therapist_a):
    from rapport.audit.models import AuditEvent
    from rapport.clinic.models import Client

    http = login(therapist_a)
    page = http.get("/clients/new/").content.decode()
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert key is not None
    form = {"display_name": "Double Click", "form_key": key[1]}
    first, second = http.post("/clients/new/", form), http.post("/clients/new/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]  # both lead to the one client
    client = Client.objects.get(therapist=therapist_a, creation_key=key[1])
    assert [c.display_name for c in Client.objects.filter(therapist=therapist_a)].count(
        "Double Click"
    ) == 1
    assert AuditEvent.objects.filter(action="create", client_id=client.pk).count() == 1
    # A new form is a new client, even with the same name.
    again = http.get("/clients/new/").content.decode()
    other = re.search(r'name="form_key" value="([^"]+)"', again)
    assert other is not None and other[1] != key[1]
