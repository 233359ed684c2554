"""The client's goals say nothing about a session (review of 6f7a193).

A link sent with "When: After the session" counts as the client's rating of that session
(``services._rates_the_session``, ``selectors.rating_of_the_session``): evidence they came,
so the session can no longer be marked as missed, and the client's page reads "About your
session today". A "Your goals" answer is neither, whatever "When" the therapist left
selected: the link is stored as "other", and a goals link stored "after" before that fix
still rates nothing.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from tests.checkins._helpers import appointment_of, open_and_answer

from rapport.checkins.models import CheckIn, Timing
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Attendance

pytestmark = pytest.mark.django_db

GOAL = {"goal_1": "Sleep through the night most weeks", "goal_2": "", "goal_3": ""}


def send_after_the_session(http, appointment) -> str:
    """The therapist sends "Client's goals" with "When: After the session" (the form's
    default once the session has started); returns the link's token."""
    url = f"/appointments/{appointment.pk}/checkins/new/"
    form = http.get(url).content.decode()
    assert "Client’s goals are not about a session: for them this is not used." in form
    sent = http.post(url, {"instrument": "goals", "timing": "after", "mode": "link"})
    assert sent.status_code == 302
    match = re.search(r"/c/([A-Za-z0-9_-]+)/", http.get(sent["Location"]).content.decode())
    assert match
    return match[1]


def test_a_goals_link_sent_after_the_session_is_not_a_rating_of_it(login, therapist_a, client_a):
    staff = login(therapist_a)
    appointment = appointment_of(client_a)  # started: "After the session" is allowed
    token = send_after_the_session(staff, appointment)
    assert CheckIn.objects.get(instrument_id="goals").timing == Timing.OTHER

    phone = HttpClient()
    page = phone.get(f"/c/{token}/").content.decode()
    assert "About your session" not in page
    assert open_and_answer(phone, token, GOAL).status_code == 200

    # Not evidence the client came: the session can still be recorded as missed.
    marked = staff.post(
        f"/appointments/{appointment.pk}/attendance/", {"attendance": Attendance.NO_SHOW}
    )
    assert marked.status_code == 302, marked.content.decode()[:2000]
    appointment.refresh_from_db()
    assert appointment.attendance == Attendance.NO_SHOW


def test_a_goals_link_stored_as_after_the_session_still_rates_nothing(
    client, login, therapist_a, client_a
):
    appointment = appointment_of(client_a)
    checkin, token = checkin_create(
        actor=therapist_a, appointment=appointment, instrument_id="goals"
    )
    # A link made before the timing was fixed to "other".
    CheckIn.objects.filter(pk=checkin.pk).update(timing=Timing.AFTER)
    assert open_and_answer(client, token, GOAL).status_code == 200

    staff = login(therapist_a)
    marked = staff.post(
        f"/appointments/{appointment.pk}/attendance/",
        {"attendance": Attendance.CANCELLED, "cancelled_by": "client"},  # asked since aaf1d9f
    )
    assert marked.status_code == 302
    appointment.refresh_from_db()
    assert appointment.attendance == Attendance.CANCELLED


def test_an_open_goals_link_stays_open_when_its_session_is_missed(login, therapist_a, client_a):
    """The goals hold whether or not the session took place: unlike a rating of it, the
    link is not revoked when the session is marked missed."""
    appointment = appointment_of(client_a)
    checkin, _token = checkin_create(
        actor=therapist_a, appointment=appointment, instrument_id="goals"
    )
    CheckIn.objects.filter(pk=checkin.pk).update(timing=Timing.AFTER)
    staff = login(therapist_a)
    staff.post(f"/appointments/{appointment.pk}/attendance/", {"attendance": Attendance.NO_SHOW})
    checkin.refresh_from_db()
    assert checkin.revoked_at is None
