"""The attendance page says what each choice does. An appointment still to come offered
"Scheduled / Cancelled" under "Keep or cancel this appointment?", beside a link named
"Cancel" that only left the page; a past session still offered "Scheduled" as an answer to
"What happened?". Now: "Keep" / "Cancel the appointment", a "Go back without changes" link,
and for a past session only attended, did not attend or cancelled. Fixed clock (DESIGN §3).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from tests.clinic.conftest import FIXED

from rapport.clinic.models import Appointment, Attendance

pytestmark = pytest.mark.django_db


def options(page: str) -> list[tuple[str, str]]:
    select = page.split('<select name="attendance"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_an_appointment_to_come_offers_keep_or_cancel_the_appointment(login, therapist_a, episode):
    upcoming = Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=7))
    page = login(therapist_a).get(f"/appointments/{upcoming.pk}/attendance/").content.decode()
    assert options(page) == [("scheduled", "Keep"), ("cancelled", "Cancel the appointment")]
    assert "Go back without changes</a>" in page
    assert ">Cancel</a>" not in page


def test_a_past_session_offers_only_what_can_have_happened(login, therapist_a, episode):
    held = Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(days=1))
    http = login(therapist_a)
    page = http.get(f"/appointments/{held.pk}/attendance/").content.decode()
    assert options(page) == [
        ("", "Choose…"),
        ("attended", "Attended"),
        ("cancelled", "Cancelled"),
        ("no_show", "Did not attend"),
    ]
    assert " selected" not in page.split('<select name="attendance"', 1)[1].split("</select>")[0]
    assert "Go back without changes</a>" in page

    # "Scheduled" is no answer for a session that has started, and nothing is not either.
    for sent in ("scheduled", ""):
        response = http.post(f"/appointments/{held.pk}/attendance/", {"attendance": sent})
        assert response.status_code == 400
    held.refresh_from_db()
    assert held.attendance == Attendance.SCHEDULED
