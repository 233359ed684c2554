"""A questionnaire answered for a session later marked missed or cancelled says so on the
client page: "For the session on Mon 30 Nov 2026 (missed)". Before, the row read like a
session that took place ("Mon 30 Nov 2026"), or, answered early for a session then
cancelled, like one still to come."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of, record_answer

from rapport.clinic.models import Attendance
from rapport.clinic.services import appointment_record_attendance

pytestmark = pytest.mark.django_db

PHQ9_MILD = {f"phq9_{n}": 1 for n in range(1, 9)} | {"phq9_9": 0}


def phq9_dates(page: str) -> list[str]:
    """The Session date cell of each row of the PHQ-9 table, as read."""
    section = page[page.index('id="series-phq9"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    # After the session number's cell (test_panel_table_session_numbers).
    cells = re.findall(
        r"<tr[^>]*>\s*<td class=\"session\">.*?</td>\s*<td>(.*?)</td>", body, flags=re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", "", cell).split()) for cell in cells]


def day(moment) -> str:
    return date_format(timezone.localtime(moment), "D j M Y")


def answered(moment) -> str:
    return f"(answered {date_format(timezone.localtime(moment), 'j M')})"


def test_an_answer_for_a_session_the_client_missed_says_it_was_missed(login, therapist_a, client_a):
    session = appointment_of(client_a)  # a week ago
    response = record_answer(
        client_a, "phq9", PHQ9_MILD, key="before", ago=timedelta(days=8), appointment=session
    )
    appointment_record_attendance(
        actor=therapist_a, appointment=session, attendance=Attendance.NO_SHOW
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert phq9_dates(page) == [
        f"For the session on {day(session.starts_at)} (missed) {answered(response.administered_at)}"
    ]


def test_an_early_answer_for_a_session_since_cancelled_no_longer_reads_as_to_come(
    login, therapist_a, client_a
):
    coming = appointment_of(client_a, past=False)  # in a week
    response = record_answer(
        client_a, "phq9", PHQ9_MILD, key="early", ago=timedelta(0), appointment=coming
    )
    appointment_record_attendance(
        actor=therapist_a, appointment=coming, attendance=Attendance.CANCELLED
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert phq9_dates(page) == [
        f"For the session on {day(coming.starts_at)} (cancelled) "
        f"{answered(response.administered_at)}"
    ]


def test_a_session_that_took_place_still_reads_as_its_date(login, therapist_a, client_a):
    session = appointment_of(client_a)
    record_answer(
        client_a, "phq9", PHQ9_MILD, key="held", ago=timedelta(days=7), appointment=session
    )
    appointment_record_attendance(
        actor=therapist_a, appointment=session, attendance=Attendance.ATTENDED
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert phq9_dates(page) == [day(session.starts_at)]
