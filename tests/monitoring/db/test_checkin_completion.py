"""Check-in completion counts check-ins for attended sessions over attended sessions.

An exploratory test showed "Check-in completion 100.0% (2/1)": a check-in answered after a
session nobody marked as attended was counted, and the percentage was capped at 100% while
the raw "2/1" stayed on screen. A numerator that can exceed its denominator is not a rate.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.checkins.models import Timing
from rapport.checkins.services import checkin_create, checkin_submit, new_form_key
from rapport.clinic.models import Attendance
from rapport.clinic.services import (
    appointment_create,
    appointment_record_attendance,
    client_create,
    episode_create,
)
from rapport.monitoring.instruments import CHECKIN
from tests.monitoring.db.helpers import checkin_answers, record

pytestmark = pytest.mark.django_db


def completion_cell(http) -> str:
    page = http.get("/caseload/").content.decode()
    figures = page[page.index('id="figures-h"') :]
    assert "Your figures" in figures[: figures.index("</h2>")]
    row = figures[figures.index("Therapist.A") :]
    row = row[: row.index("</tr>")]
    return row.split("<td>")[-1]  # clients, alliance, not on track, dropout, completion


def answer_after(therapist, appointment, now):
    checkin, _token = checkin_create(
        actor=therapist,
        appointment=appointment,
        instrument_id=CHECKIN,
        timing=Timing.AFTER,
        now=now,
    )
    checkin_submit(
        checkin=checkin, answers=checkin_answers(9, 9, 9, 9), form_key=new_form_key(), now=now
    )


def test_a_check_in_after_a_session_never_marked_attended_is_not_counted(login, therapist_a):
    # The steps of the finding, a few days back from today so the 12-week window holds them:
    # episode from day 1; day 5 at 10:00 left "Scheduled"; day 6 at 09:00 marked Attended;
    # an after-session check-in sent and answered for both.
    now = timezone.now()
    day1 = timezone.localdate(now) - dt.timedelta(days=7)
    client = client_create(actor=therapist_a, therapist=therapist_a, display_name="Finn C.")
    episode = episode_create(actor=therapist_a, client=client, started_on=day1)

    def at(days: int, hour: int) -> dt.datetime:
        day = day1 + dt.timedelta(days=days)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    unmarked = appointment_create(actor=therapist_a, episode=episode, starts_at=at(4, 10))
    attended = appointment_create(actor=therapist_a, episode=episode, starts_at=at(5, 9))
    appointment_record_attendance(
        actor=therapist_a, appointment=attended, attendance=Attendance.ATTENDED
    )
    answer_after(therapist_a, unmarked, now)
    answer_after(therapist_a, attended, now)

    cell = completion_cell(login(therapist_a))
    assert "100.0%" in cell and "(1/1)" in cell and "(2/1)" not in cell

    # Marking the first session attended later brings its check-in into the figure.
    appointment_record_attendance(
        actor=therapist_a, appointment=unmarked, attendance=Attendance.ATTENDED
    )
    cell = completion_cell(login(therapist_a))
    assert "100.0%" in cell and "(2/2)" in cell


def test_a_check_in_tied_to_no_session_is_not_counted(login, therapist_a):
    # An imported check-in with no appointment that day belongs to no attended session.
    now = timezone.now()
    client = client_create(actor=therapist_a, therapist=therapist_a, display_name="Gus I.")
    episode = episode_create(
        actor=therapist_a, client=client, started_on=timezone.localdate(now) - dt.timedelta(10)
    )
    held = appointment_create(
        actor=therapist_a, episode=episode, starts_at=now - dt.timedelta(days=3)
    )
    appointment_record_attendance(actor=therapist_a, appointment=held, attendance="attended")
    answers = checkin_answers(9, 9, 9, 9)
    record(client, CHECKIN, answers, at=held.starts_at + dt.timedelta(hours=1), appointment=held)
    record(client, CHECKIN, answers, at=now - dt.timedelta(days=5), episode=episode)
    cell = completion_cell(login(therapist_a))
    assert "100.0%" in cell and "(1/1)" in cell
