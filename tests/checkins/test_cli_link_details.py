"""``rapport checkin-link`` says what the link is for: which appointment, before or after the
session, which questionnaire and until when it works (on standard error, so standard output
stays the URL alone for scripts). For a client whose episode of care has ended it says so,
instead of asking for an appointment to be booked that no page would let anyone book.

Time-dependent rules are tested with a fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import episode_around

from rapport.checkins.models import CheckIn
from rapport.checkins.tokens import hash_token
from rapport.cli import main
from rapport.clinic.models import Appointment, Episode
from rapport.clinic.services import episode_end

pytestmark = pytest.mark.django_db

FIXED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday, 09:00 in London (GMT)


@pytest.fixture
def episode(client_a, monkeypatch):
    """Client A's episode as of FIXED (see ``episode_around``); the clock stands at FIXED."""
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    return episode_around(client_a, FIXED)


def link(episode, instrument, *more):
    client = str(episode.client_id)
    return main(["checkin-link", "--client", client, "--instrument", instrument, *more])


def test_the_url_is_alone_on_stdout_and_what_it_is_for_on_stderr(capsys, episode, settings):
    settings.BASE_URL = "https://rapport.example.org"
    assert link(episode, "phq9") == 0
    printed = capsys.readouterr()

    url = printed.out.removesuffix("\n")
    assert "\n" not in url and url.startswith("https://rapport.example.org/c/")
    checkin = CheckIn.objects.get(token_hash=hash_token(url.rsplit("/", 2)[1]))
    assert printed.err.splitlines() == [
        f"client:      {episode.client_id}",
        "appointment: Wed 9 Dec 2026, 09:00 GMT",
        "timing:      before the session",
        "instrument:  PHQ-9 (phq9)",
        # Until next week's session has ended: longer than the usual 72 hours.
        "expires:     Wed 9 Dec 2026, 09:50 GMT",
    ]
    assert checkin.expires_at == FIXED + timedelta(days=7, minutes=50)


def test_a_check_in_after_todays_session_names_that_session_and_its_72_hours(capsys, episode):
    Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(hours=2))
    assert link(episode, "session-checkin", "--timing", "after") == 0
    err = capsys.readouterr().err.splitlines()
    assert err[1:] == [
        "appointment: Wed 2 Dec 2026, 07:00 GMT",
        "timing:      after the session",
        "instrument:  Check-in (session-checkin)",
        "expires:     Sat 5 Dec 2026, 09:00 GMT",
    ]


def test_times_are_in_the_clinics_time_zone_and_name_it(capsys, episode, settings):
    settings.TIME_ZONE = "America/New_York"
    assert link(episode, "phq9", "--hours", "1") == 0
    err = capsys.readouterr().err
    assert "appointment: Wed 9 Dec 2026, 04:00 EST" in err
    assert "expires:     Wed 9 Dec 2026, 04:50 EST" in err


def test_an_ended_episode_says_so_and_not_book_one_first(capsys, episode, therapist_a):
    episode_end(actor=therapist_a, episode=episode, ended_on=FIXED.date(), end_reason="planned")
    for instrument in ("phq9", "session-checkin"):
        assert link(episode, instrument) == 2
        err = capsys.readouterr().err
        assert err == (
            f"rapport: client {episode.client_id}'s episode of care ended on 2026-12-02: no "
            "check-in link can be sent for an ended episode (start a new episode of care to "
            "send check-ins again)\n"
        )
    assert not CheckIn.objects.exists()


def test_after_a_new_episode_is_started_booking_an_appointment_is_the_answer(
    capsys, episode, therapist_a
):
    episode_end(actor=therapist_a, episode=episode, ended_on=FIXED.date(), end_reason="planned")
    Episode.objects.create(client=episode.client, started_on=FIXED.date())
    assert link(episode, "phq9") == 2
    assert "no current or upcoming appointment: book one first" in capsys.readouterr().err


def test_a_client_without_any_episode_is_told_to_start_one(capsys, episode):
    episode.delete()
    assert link(episode, "phq9") == 2
    assert (
        "no current or upcoming appointment and no episode of care: start an episode and book "
        "an appointment first"
    ) in capsys.readouterr().err
