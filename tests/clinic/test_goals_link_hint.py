"""The goals panel's "let the client write them" says where the "Client's goals" link is
made: under Check-ins, "Other…" beside an appointment. With no appointment the client can
come to (none booked yet, as at intake, or only cancelled or missed ones) the check-ins
panel has no such row, so the hint says to book one first instead of pointing at nothing."""

from __future__ import annotations

import html
import re

import pytest

from rapport.checkins.models import CheckIn
from rapport.clinic.models import Attendance

pytestmark = pytest.mark.django_db

POINTS_TO_OTHER = "under Check-ins, choose “Other…” beside an appointment, then “Client’s goals”"
BOOK_FIRST = "book an appointment first"


def goals_panel(page: str) -> str:
    start = page.index("Goals, in the client")
    return html.unescape(re.sub(r"\s+", " ", page[start : page.index("</section>", start)]))


def test_with_an_appointment_the_hint_names_other_and_the_link_can_be_made(
    login, therapist_a, client_a
):
    staff = login(therapist_a)
    page = staff.get(f"/clients/{client_a.pk}/").content.decode()
    panel = goals_panel(page)
    assert POINTS_TO_OTHER in panel and BOOK_FIRST not in panel
    appointment = client_a.episodes.get().appointments.first()
    assert f'href="/appointments/{appointment.pk}/checkins/new/">Other…' in page
    made = staff.post(
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": "goals", "timing": "after", "mode": "link"},
    )
    assert made.status_code == 302
    assert CheckIn.objects.filter(instrument_id="goals").count() == 1


@pytest.mark.parametrize("left", ["none", "cancelled"])
def test_without_an_appointment_to_send_from_the_hint_says_to_book_one(
    login, therapist_a, client_a, left
):
    appointments = client_a.episodes.get().appointments
    if left == "none":
        appointments.all().delete()
    else:
        appointments.update(attendance=Attendance.CANCELLED)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    panel = goals_panel(page)
    assert BOOK_FIRST in panel and POINTS_TO_OTHER not in panel
    assert "checkins/new/" not in page  # indeed no row to send from
