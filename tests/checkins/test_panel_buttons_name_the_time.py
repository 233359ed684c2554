"""The *Send a check-in* buttons name the appointment by day and time.

Two sessions on one day gave two "Tablet for PHQ-9 before 13 Dec" buttons: a screen reader
user (or a voice command) could not tell which session a link would be for.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from rapport.clinic.models import Appointment


def at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


def accessible_names(page: str, tag: str) -> list[str]:
    """Each element's text with its tags (the sr-only spans' included) stripped."""
    found = re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", text).split()) for text in found]


@pytest.mark.django_db
def test_two_sessions_on_one_day_get_buttons_of_their_own(login, therapist_a, client_a):
    day = timezone.localdate() + timedelta(days=3)
    episode = client_a.episodes.get()
    for hour in (9, 15):
        Appointment.objects.create(episode=episode, starts_at=at(day, hour))
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    buttons = [name for name in accessible_names(page, "button") if " for " in name]
    when = f"{day.day} {day:%b}"
    for hour in ("09:00", "15:00"):
        assert f"Tablet for PHQ-9 before {when} {hour}" in buttons
        assert f"Link for PHQ-9 before {when} {hour}" in buttons
    links = [name for name in accessible_names(page, "a") if name.startswith("Other…")]
    assert f"Other… questionnaire for {when} 09:00" in links
    repeated = [name for name, count in Counter(buttons + links).items() if count > 1]
    assert repeated == []
