"""A questionnaire answered early, for a session still to come, does not read as a session
that took place.

The walkthrough's case: a PHQ-9 sent on 6 Dec for the session on Sun 13 Dec and answered
at once was listed "Sun 13 Dec (answered 6 Dec)" on 6 Dec, like a session already held.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of, record_answer

from rapport.clinic.models import Attendance

PHQ9_MILD = {f"phq9_{n}": 1 for n in range(1, 9)} | {"phq9_9": 0}


def phq9_rows(page: str) -> list[str]:
    section = page[page.index('id="series-phq9"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", row).split()) for row in rows]


def day(moment) -> str:
    return date_format(timezone.localtime(moment), "D j M Y")


def answered(moment) -> str:
    return f"(answered {date_format(timezone.localtime(moment), 'j M')})"


@pytest.mark.django_db
def test_an_answer_for_next_weeks_session_says_the_session_is_to_come(login, therapist_a, client_a):
    coming = appointment_of(client_a, past=False)
    response = record_answer(
        client_a, "phq9", PHQ9_MILD, key="early", ago=timedelta(0), appointment=coming
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    expected = (
        f"For the coming session on {day(coming.starts_at)} {answered(response.administered_at)}"
    )
    assert expected in phq9_rows(page)[0]


@pytest.mark.django_db
def test_once_the_session_has_taken_place_the_row_is_dated_by_it(login, therapist_a, client_a):
    held = appointment_of(client_a)
    held.attendance = Attendance.ATTENDED
    held.save()
    response = record_answer(
        client_a, "phq9", PHQ9_MILD, key="before", ago=timedelta(days=8), appointment=held
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    row = phq9_rows(page)[0]
    # Session 1 of the episode, then its date (test_panel_table_session_numbers).
    assert row.startswith(f"1 {day(held.starts_at)} {answered(response.administered_at)}")
    assert "coming" not in row
