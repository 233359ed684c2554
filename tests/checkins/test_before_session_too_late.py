"""A questionnaire "before the session" cannot be sent for a session that has taken place.

Review finding (clinical): the *Send a check-in* table offered the PHQ-9 before the session
for last week's appointments, even one already answered; the client then read "Before your
session on Mon 16 Nov" and "Over the last 2 weeks…", and today's symptoms were counted as
how they were at 16 Nov (charts, change figures, alerts), the newer answer replacing the one
given then. Such a link is now refused once the session has ended, and not offered; while
the session is under way it is still that session's (the tablet handed over at the start).
A check-in after a recent session, sent late, is still allowed (docs/checkins.md).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.checkins._helpers import appointment_of, record_answer

from rapport.checkins.models import CheckIn
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment

TOO_LATE = "has already taken place: a questionnaire before the session can no longer be sent"
PHQ9 = {f"phq9_{n}": 1 for n in range(1, 10)}


def action_rows(page: str) -> list[str]:
    table = page[page.index('class="checkin-actions"') :]
    table = table[: table.index("</table>")]
    return table.split("<tr>")[2:]


@pytest.mark.django_db
def test_the_panel_offers_no_questionnaire_before_a_session_that_took_place(
    login, therapist_a, client_a
):
    record_answer(client_a, "phq9", PHQ9, key="then", ago=timedelta(days=7, hours=1))
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    past, upcoming = action_rows(page)
    before_cell, after_cell = past.split("<td>")[1:3]
    assert "Answered" in before_cell
    assert "Too late: the session has taken place" in before_cell
    assert 'value="before"' not in before_cell
    assert 'name="timing" value="after"' in after_cell  # a late check-in after it still can
    assert 'name="timing" value="before"' in upcoming


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["link", "tablet"])
def test_the_server_refuses_it_and_keeps_the_answer_given_then(login, therapist_a, client_a, mode):
    stored = record_answer(client_a, "phq9", PHQ9, key="then", ago=timedelta(days=7, hours=1))
    http = login(therapist_a)
    page = http.post(
        f"/appointments/{appointment_of(client_a).pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": mode},
    )
    assert page.status_code == 400
    assert TOO_LATE in page.content.decode()
    assert not CheckIn.objects.exists()
    assert "_auth_user_id" in http.session, "a refused tablet check-in signs nobody out"
    assert list(client_a.responses.all()) == [stored]


@pytest.mark.django_db
def test_a_link_already_sent_for_that_session_is_not_revoked_by_the_refusal(client_a):
    appointment = appointment_of(client_a)
    sent, _ = checkin_create(
        actor=None,
        appointment=appointment,
        instrument_id="phq9",
        timing="before",
        now=appointment.starts_at - timedelta(days=1),
    )
    with pytest.raises(ValidationError, match=TOO_LATE):
        checkin_create(actor=None, appointment=appointment, instrument_id="phq9", timing="before")
    sent.refresh_from_db()
    assert sent.revoked_at is None


@pytest.mark.django_db
def test_it_can_be_sent_until_the_session_ends(client_a):
    starts = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    appointment = Appointment.objects.create(
        episode=client_a.episodes.get(), starts_at=starts, duration_minutes=50
    )
    # Under way (handed over on the tablet at the start of the session): still this session's.
    for now in (starts + timedelta(minutes=5), starts + timedelta(minutes=49)):
        checkin_create(
            actor=None,
            appointment=appointment,
            instrument_id="phq9",
            timing="before",
            mode="tablet",
            now=now,
        )
    with pytest.raises(ValidationError, match=TOO_LATE):
        checkin_create(
            actor=None,
            appointment=appointment,
            instrument_id="phq9",
            timing="before",
            now=starts + timedelta(minutes=50),
        )


@pytest.mark.django_db
def test_a_late_check_in_after_a_recent_session_is_still_sent(client_a):
    checkin, _ = checkin_create(
        actor=None,
        appointment=appointment_of(client_a),
        instrument_id="session-checkin",
        timing="after",
        now=timezone.now(),
    )
    assert checkin.timing == "after"
