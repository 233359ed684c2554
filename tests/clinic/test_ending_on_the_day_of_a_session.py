"""Ending an episode on the morning of a session booked later that day.

A planned ending is often recorded on the day of the last session. Ending the episode
today cancels a session later today too (services.episode_end), but the end page said it
cancelled only appointments "after the end date", and listed today's session without a
word: a therapist could end the episode at 9:00 and find the 15:00 last session cancelled
and its check-in link revoked. The page now says so, marks the session "later today", and
the message afterwards no longer says "after the end date". Fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.clinic.conftest import FIXED

from rapport.clinic.models import Appointment, Attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode(episode):
    """Last week's session attended; the last session today at 15:00; one next week."""
    Appointment.objects.create(
        episode=episode, starts_at=FIXED - timedelta(days=7), attendance=Attendance.ATTENDED
    )
    Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(hours=6))
    Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(days=7, hours=6))
    return episode


def main(page: str) -> str:
    return page.split("<main", 1)[-1]


def test_the_end_page_warns_that_a_session_later_today_is_cancelled_too(
    login, therapist_a, episode
):
    page = main(login(therapist_a).get(f"/episodes/{episode.pk}/end/").content.decode())

    assert "after the end date" not in page
    assert "cancels these 2 booked appointments, which have not started yet:" in page
    listed = page.split('class="ending-cancels"', 1)[1].split("</ul>", 1)[0]
    assert "Wed 2 Dec 2026, 15:00 · In person · <strong>later today</strong>" in listed
    assert "Wed 9 Dec 2026, 15:00 · In person</li>" in listed
    warning = page.split('id="ending-later-today"', 1)[1].split("</p>", 1)[0]
    assert "If it is the client's last session, end the episode after it" in warning


def test_ending_on_another_day_still_says_after_the_end_date_without_the_warning(
    login, therapist_a, episode
):
    episode.appointments.filter(starts_at__date=FIXED.date()).delete()
    page = main(login(therapist_a).get(f"/episodes/{episode.pk}/end/").content.decode())

    assert "cancels this booked appointment, after the end date:" in page
    assert "later today" not in page and "ending-later-today" not in page


def test_after_ending_the_message_does_not_call_todays_session_after_the_end_date(
    login, therapist_a, episode
):
    http = login(therapist_a)
    response = http.post(
        f"/episodes/{episode.pk}/end/",
        {"ended_on": FIXED.date().isoformat(), "end_reason": "planned"},
    )
    page = http.get(response["Location"]).content.decode()

    assert "Episode ended. 2 booked appointments that had not started yet were cancelled." in page
    assert "after the end date" not in page
    assert set(episode.appointments.values_list("attendance", flat=True)) == {
        Attendance.ATTENDED,
        Attendance.CANCELLED,
    }
