"""``rapport checkin-link`` after today's session when the next one is already booked: a
check-in about the session is for today's appointment, a questionnaire before the session
for the next one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.checkins.models import CheckIn
from rapport.checkins.selectors import appointment_current_or_next
from rapport.cli import main
from rapport.clinic.models import Appointment, Attendance


@pytest.fixture
def todays(client_a):
    """Today's session, ended an hour ago (50 minutes from two hours ago); client A's
    fixture also has one a week ago and one booked a week ahead."""
    return Appointment.objects.create(
        episode=client_a.episodes.get(), starts_at=timezone.now() - timedelta(hours=2)
    )


def link(client, instrument, *timing):
    return main(["checkin-link", "--client", str(client.pk), "--instrument", instrument, *timing])


@pytest.mark.django_db
def test_an_after_session_checkin_is_for_the_session_that_just_ended(capsys, client_a, todays):
    assert link(client_a, "session-checkin", "--timing", "after") == 0
    assert capsys.readouterr().out.strip().startswith("http")
    checkin = CheckIn.objects.get()
    assert (checkin.appointment, checkin.timing) == (todays, "after")


@pytest.mark.django_db
def test_an_alliance_questionnaire_without_a_timing_is_for_the_session_that_just_ended(
    capsys, client_a, todays
):
    assert link(client_a, "session-checkin") == 0
    checkin = CheckIn.objects.get()
    assert (checkin.appointment, checkin.timing) == (todays, "after")


@pytest.mark.django_db
def test_a_questionnaire_before_the_session_is_still_for_the_next_one(capsys, client_a, todays):
    upcoming = client_a.episodes.get().appointments.order_by("starts_at").last()
    assert link(client_a, "phq9", "--timing", "before") == 0
    assert CheckIn.objects.get().appointment == upcoming


@pytest.mark.django_db
@pytest.mark.parametrize("attendance", [Attendance.CANCELLED, Attendance.NO_SHOW])
def test_a_missed_session_today_is_never_rated(capsys, client_a, todays, attendance):
    todays.attendance = attendance
    todays.save()
    assert link(client_a, "session-checkin", "--timing", "after") == 2
    assert "has not started yet" in capsys.readouterr().err
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_the_latest_session_of_the_last_24_hours_is_chosen_before_the_next(client_a):
    now = timezone.now()
    episode = client_a.episodes.get()
    Appointment.objects.create(episode=episode, starts_at=now - timedelta(hours=6))
    afternoon = Appointment.objects.create(episode=episode, starts_at=now - timedelta(hours=2))
    upcoming = episode.appointments.order_by("starts_at").last()
    assert appointment_current_or_next(client_a, about_the_session=True, now=now) == afternoon
    assert appointment_current_or_next(client_a, now=now) == upcoming
    # Yesterday's, more than 24 hours ago, is not rated today: the next one is returned, and
    # creating the check-in then says it has not started yet.
    later = now + timedelta(hours=25)
    assert appointment_current_or_next(client_a, about_the_session=True, now=later) == upcoming
