"""A booking in an impossible year (year 1, year 9999) is refused with the one message
that says what is wrong, the year, whatever the clinic's time zone: east of UTC a year-1
time is in year 0 in UTC and west of it 9999-12-31 is in year 10000, and the page failed
with an error instead of saying so. Nothing is booked."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "Europe/London", "America/New_York"])
@pytest.mark.parametrize("when", ["0001-01-01T00:10", "0001-01-01T10:00", "9999-12-31T23:59"])
def test_an_impossible_year_is_refused_with_the_year_message_alone(
    login, therapist_a, client_a, settings, zone, when
):
    settings.TIME_ZONE = zone
    episode = client_a.episodes.get()
    before = list(episode.appointments.values_list("pk", flat=True))
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/appointments/new/",
        {"starts_at": when, "modality": "in_person", "duration_minutes": 50},
    )
    assert response.status_code == 400
    page = response.content.decode()
    latest = timezone.localdate().year + 2
    message = f"Enter a date between 1900 and {latest}."
    assert message in page
    # The summary and the field each say the year, and nothing else.
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page, re.S)
    assert summary is not None
    said = [
        re.sub(r"<[^>]+>", "", line).strip() for line in re.findall(r"<p>(.*?)</p>", summary[1])
    ]
    assert said == [f"Date and time: {message}"]
    assert re.findall(r'<p class="error">(.*?)</p>', page) == [message]
    assert list(episode.appointments.values_list("pk", flat=True)) == before
