"""Builders shared by the check-in tests."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta
from html import unescape

from django.utils import timezone

from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, Attendance, Client, Episode
from rapport.measures.services import response_record

PHQ9_ZERO = {f"phq9_{n}": "0" for n in range(1, 10)}
CHECKIN_ANSWERS = {
    "goals": "8",
    "approach": "7",
    "relationship": "9",
    "overall": "8",
    "pushed": "0",
    "differently": "",
}


def started_earlier_today(minutes: int = 55):
    """A start ``minutes`` ago, or at midnight when that would be yesterday (a test run in
    the first hour of the day): a session that took place *today*, in the clinic's time."""
    now = timezone.now()
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time()))
    return max(now - dt.timedelta(minutes=minutes), midnight)


def appointment_of(client, *, past: bool = True):
    appointments = client.episodes.get().appointments.order_by("starts_at")
    return appointments.first() if past else appointments.last()


def make_link(client, instrument_id="phq9", *, actor=None, **kwargs):
    """Create a check-in for the client's past appointment; returns (checkin, token)."""
    return checkin_create(
        actor=actor, appointment=appointment_of(client), instrument_id=instrument_id, **kwargs
    )


def form_key(page: str) -> str:
    match = re.search(r'name="form_key" value="([^"]+)"', page)
    assert match, "the questionnaire carries its idempotency key"
    return match.group(1)


def open_and_answer(http, token, answers, *, key=None):
    """GET the questionnaire (for its key) and POST the answers; returns the POST response."""
    if key is None:
        key = form_key(http.get(f"/c/{token}/").content.decode())
    return http.post(f"/c/{token}/", {**answers, "form_key": key})


def record_answer(client, instrument_id, answers, *, key, ago: timedelta, appointment=None):
    """Store answers as given through a link ``ago`` before now, for the client's past
    appointment unless another is named; returns the response."""
    return response_record(
        client=client,
        instrument_id=instrument_id,
        answers=answers,
        source="link",
        idempotency_key=key,
        administered_at=timezone.now() - ago,
        appointment=appointment or appointment_of(client),
        actor="client-link",
    )[0]


def episode_around(client, now):
    """The client's episode as of ``now``: begun a month before, last week's session
    attended and next week's booked (50 minutes, as booked by default), nothing else."""
    from rapport.clinic.models import Appointment, Attendance

    episode = client.episodes.get()
    episode.started_on = (now - timedelta(days=30)).date()
    episode.save()
    episode.appointments.all().delete()
    Appointment.objects.create(
        episode=episode, starts_at=now - timedelta(days=7), attendance=Attendance.ATTENDED
    )
    Appointment.objects.create(episode=episode, starts_at=now + timedelta(days=7))
    return episode


def weekly_sessions(therapist, display_name: str, count: int, *, birth_year: int = 1990):
    """A client of ``therapist`` with an episode begun 40 days ago and ``count`` attended
    weekly sessions at 10:00, the last a week ago; returns (client, episode, sessions)."""
    client = Client.objects.create(
        clinic=therapist.clinic,
        therapist=therapist,
        display_name=display_name,
        birth_year=birth_year,
    )
    now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    episode = Episode.objects.create(
        client=client, started_on=timezone.localdate(now - timedelta(days=40))
    )
    sessions = [
        Appointment.objects.create(
            episode=episode,
            starts_at=now - timedelta(days=7 * (count - n)),
            attendance=Attendance.ATTENDED,
        )
        for n in range(count)
    ]
    return client, episode, sessions


# Tablet mode's way back for the therapist (checkins/includes/staff_return.html).
SIGN_IN_AGAIN = "Therapist: sign in again"
TABLET_RETURN = "/checkins/tablet/return/"


def staff_links(page: str) -> list[str]:
    """The addresses of the page's "Therapist: sign in again" links, in the include's markup."""
    pattern = r'<p class="staff-return"><a href="([^"]+)">' + re.escape(SIGN_IN_AGAIN) + "</a></p>"
    return [unescape(href) for href in re.findall(pattern, page)]


def tablet_started(http, client, instrument_id: str = "session-checkin") -> str:
    """Start tablet mode for ``client``'s past session as the therapist signed in on
    ``http`` (which signs them out); the questionnaire's address."""
    started = http.post(
        f"/appointments/{appointment_of(client).pk}/checkins/new/",
        {"instrument": instrument_id, "timing": "after", "mode": "tablet"},
    )
    assert started.status_code == 302 and started["Location"].startswith("/c/")
    return started["Location"]


def tablet_answered(http, client) -> tuple[str, str]:
    """Start tablet mode for ``client``'s past session as the therapist signed in on
    ``http`` and answer as the client; (the questionnaire's address, the thank-you page)."""
    location = tablet_started(http, client)
    key = form_key(http.get(location).content.decode())
    thanks = http.post(location, {**CHECKIN_ANSWERS, "form_key": key})
    assert thanks.status_code == 200
    return location, thanks.content.decode()
