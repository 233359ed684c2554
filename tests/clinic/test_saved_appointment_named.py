"""Booking and attendance pages say what was saved, and offer only what can be saved.

* "Appointment booked." named nothing, and the appointment table is screens below the
  message: the message now gives the day, time and modality, so a mistyped month or year
  is seen; a time already past says so, and that attendance is still to record.
* "Attendance recorded." names the session it was recorded for.
* An appointment still to come offered "Attended" and "Did not attend", which the service
  refuses before the start: the form now offers keeping or cancelling it.

Fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.clinic.conftest import FIXED

from rapport.clinic.models import Appointment, Attendance

pytestmark = pytest.mark.django_db


def messages_of(page: str) -> str:
    return page.split('<ul class="messages">', 1)[1].split("</ul>", 1)[0]


def book(http, episode, starts_at: str):
    response = http.post(
        f"/episodes/{episode.pk}/appointments/new/",
        {"starts_at": starts_at, "modality": "video", "duration_minutes": "50"},
    )
    assert response.status_code == 302
    return http.get(response["Location"]).content.decode()


def test_the_booking_message_names_the_day_time_and_modality(login, therapist_a, episode):
    page = book(login(therapist_a), episode, "2026-12-09T16:00")
    assert "Appointment booked: Wed 9 Dec 2026, 16:00 · Video." in messages_of(page)
    assert "already passed" not in page


def test_a_booking_in_the_past_says_the_time_has_passed(login, therapist_a, episode):
    # Saved, as a session entered afterwards would be (or a slip: 30 Nov for 30 Dec), but said.
    episode.started_on = FIXED.date() - timedelta(days=30)
    episode.save()
    page = book(login(therapist_a), episode, "2026-11-30T16:00")
    said = messages_of(page)
    assert "Appointment booked: Mon 30 Nov 2026, 16:00 · Video." in said
    assert "That time has already passed: record whether the client came." in said


def test_the_attendance_message_names_the_session(login, therapist_a, episode):
    held = Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(days=7))
    http = login(therapist_a)
    response = http.post(f"/appointments/{held.pk}/attendance/", {"attendance": "attended"})
    page = http.get(response["Location"]).content.decode()
    assert "Attendance recorded for Wed 25 Nov 2026, 09:00." in messages_of(page)


def test_an_appointment_still_to_come_offers_only_keeping_or_cancelling_it(
    login, therapist_a, episode
):
    upcoming = Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=7))
    http = login(therapist_a)
    page = http.get(f"/appointments/{upcoming.pk}/attendance/").content.decode()
    select = page.split('<select name="attendance"', 1)[1].split("</select>", 1)[0]
    assert 'value="scheduled"' in select and 'value="cancelled"' in select
    assert 'value="attended"' not in select and 'value="no_show"' not in select
    assert "Keep or cancel this appointment?" in page
    assert "It has not happened yet: it can be cancelled, or kept as booked." in page

    response = http.post(
        f"/appointments/{upcoming.pk}/attendance/",
        {"attendance": "cancelled", "cancelled_by": "client"},
    )
    assert response.status_code == 302
    upcoming.refresh_from_db()
    assert upcoming.attendance == Attendance.CANCELLED


def test_a_past_appointment_still_offers_every_choice(login, therapist_a, episode):
    held = Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(hours=2))
    page = login(therapist_a).get(f"/appointments/{held.pk}/attendance/").content.decode()
    select = page.split('<select name="attendance"', 1)[1].split("</select>", 1)[0]
    assert 'value="attended"' in select and 'value="no_show"' in select
    assert "What happened?" in page
