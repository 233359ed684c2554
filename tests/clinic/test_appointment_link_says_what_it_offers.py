"""The client page's appointment links say what their page lets you do.

A future appointment's row read "Record attendance", but its page offers only keeping or
cancelling it (``forms.AttendanceForm``, upcoming): attended or missed is refused before the
start. Its link now reads "Keep or cancel"; a past one still reads "Record attendance", and
each keeps its date for screen readers.

Fixed clock (DESIGN §3).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.clinic.conftest import FIXED

from rapport.clinic.models import Appointment

pytestmark = pytest.mark.django_db


def links(page: str) -> dict[int, str]:
    """Each appointment link's visible words and screen-reader date, by appointment id."""
    return {
        int(pk): re.sub(r"<[^>]+>", "", text)
        for pk, text in re.findall(r'<a href="/appointments/(\d+)/attendance/">(.*?)</a>', page)
    }


def test_a_past_row_records_attendance_and_a_future_row_keeps_or_cancels(
    login, therapist_a, client_a, episode
):
    past = Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(days=7))
    future = Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=7))
    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert links(page) == {
        past.pk: "Record attendance for Wed 25 Nov 2026, 09:00",
        future.pk: "Keep or cancel for Wed 9 Dec 2026, 09:00",
    }
    # What each link promises is what its page asks.
    assert "What happened?" in http.get(f"/appointments/{past.pk}/attendance/").content.decode()
    assert (
        "Keep or cancel this appointment?"
        in http.get(f"/appointments/{future.pk}/attendance/").content.decode()
    )


def test_an_appointment_starting_now_records_attendance(login, therapist_a, client_a, episode):
    # The attendance page treats a session that has started as one to record.
    now = Appointment.objects.create(episode=episode, starts_at=FIXED)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert links(page) == {now.pk: "Record attendance for Wed 2 Dec 2026, 09:00"}


@pytest.mark.parametrize(
    ("choice", "said"),
    [
        ("cancelled", "Appointment on Wed 9 Dec 2026, 09:00 cancelled."),
        ("scheduled", "Appointment on Wed 9 Dec 2026, 09:00 kept as booked."),
    ],
)
def test_a_future_appointment_page_is_titled_and_confirmed_by_what_it_does(
    login, therapist_a, client_a, episode, choice, said
):
    future = Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=7))
    http = login(therapist_a)
    url = f"/appointments/{future.pk}/attendance/"
    assert "<title>Keep or cancel this appointment" in http.get(url).content.decode()
    sent = {"attendance": choice, "cancelled_by": "client"}  # asked for a cancellation
    page = http.post(url, sent, follow=True).content.decode()
    assert said in page
    assert "Attendance recorded" not in page
    future.refresh_from_db()
    assert future.attendance == choice


def test_a_past_appointment_page_still_records_attendance(login, therapist_a, client_a, episode):
    past = Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(days=7))
    http = login(therapist_a)
    url = f"/appointments/{past.pk}/attendance/"
    assert "<title>Record attendance" in http.get(url).content.decode()
    page = http.post(url, {"attendance": "attended"}, follow=True).content.decode()
    assert "Attendance recorded for Wed 25 Nov 2026, 09:00." in page
