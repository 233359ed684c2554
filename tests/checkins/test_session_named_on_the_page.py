"""The questionnaire says which session it is about, and who is asking.

An after-session check-in answered a week late said "Thank you for today" and "Did you feel
pushed or overridden today?", and the page showed only the title and instructions. It now
reads "About your session on Mon 23 Nov" (or "Before your session on …"), names the clinic,
and Rapport's own wording says "this session", not "today". Licensed or validated wording
(PHQ-9 items) is not touched.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of, make_link, started_earlier_today

from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment
from rapport.measures.registry import get_instrument


def page_of(http, token) -> str:
    return http.get(f"/c/{token}/").content.decode()


@pytest.mark.django_db
def test_a_check_in_answered_a_week_later_names_its_session_and_not_today(client, client_a, clinic):
    session = appointment_of(client_a)  # a week ago
    _, token = make_link(client_a, "session-checkin", timing="after")
    page = page_of(client, token)
    day = date_format(timezone.localtime(session.starts_at), "D j M")
    assert f"About your session on {day}" in page
    assert f"Questions from {clinic.name}" in page
    assert "today" not in page.lower()


@pytest.mark.django_db
def test_a_questionnaire_before_a_session_says_before_which_one(client, client_a):
    upcoming = appointment_of(client_a, past=False)
    _, token = checkin_create(
        actor=None, appointment=upcoming, instrument_id="phq9", timing="before"
    )
    page = page_of(client, token)
    when = timezone.localtime(upcoming.starts_at)
    expected = f"Before your session on {date_format(when, 'D j M')} at {date_format(when, 'H:i')}"
    assert expected in page
    # The PHQ-9's own wording is shown as it is.
    for item in get_instrument("phq9").items:
        assert item.wording in page


@pytest.mark.django_db
def test_a_session_today_is_called_today(client, client_a):
    today = Appointment.objects.create(
        episode=client_a.episodes.get(), starts_at=started_earlier_today()
    )
    _, token = checkin_create(
        actor=None, appointment=today, instrument_id="session-checkin", timing="after"
    )
    assert "About your session today" in page_of(client, token)
