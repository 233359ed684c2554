"""A questionnaire already answered for an appointment is shown as such, and sending another
one says plainly what happens to the earlier answers (it is not blocked: a client may want
to correct themselves)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import appointment_of

from rapport.checkins.models import CheckIn
from rapport.measures.services import response_record

NOTICE = "was already answered for this appointment"


def answered(client, instrument_id="phq9", *, when=None, appointment=None, key="earlier"):
    appointment = appointment or appointment_of(client)
    answers = (
        {f"phq9_{n}": 1 for n in range(1, 10)}
        if instrument_id == "phq9"
        else {"goals": 8, "approach": 8, "relationship": 8, "overall": 8, "pushed": 0}
    )
    return response_record(
        client=client,
        instrument_id=instrument_id,
        answers=answers,
        source="link",
        idempotency_key=key,
        administered_at=when or appointment.starts_at - timedelta(hours=3),
        episode=appointment.episode,
        appointment=appointment,
        actor="client-link",
    )[0]


def action_rows(page: str) -> list[str]:
    table = page[page.index('class="checkin-actions"') :]
    table = table[: table.index("</table>")]
    return table.split("<tr>")[2:]


@pytest.mark.django_db
def test_the_panel_shows_a_questionnaire_already_answered_for_an_appointment(
    login, therapist_a, client_a
):
    response = answered(client_a)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    past, upcoming = action_rows(page)
    day = date_format(timezone.localtime(response.administered_at), "j M")
    before_cell, after_cell = past.split("<td>")[1:3]
    assert f"Answered {day}" in before_cell
    assert "Answered" not in after_cell
    assert "Answered" not in upcoming


@pytest.mark.django_db
def test_the_panel_shows_an_answered_after_session_checkin_in_its_column(
    login, therapist_a, client_a
):
    answered(client_a, "session-checkin", when=appointment_of(client_a).starts_at)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    before_cell, after_cell = action_rows(page)[0].split("<td>")[1:3]
    assert "Answered" in after_cell and "Answered" not in before_cell


@pytest.mark.django_db
def test_another_link_for_an_answered_questionnaire_is_created_with_a_plain_notice(
    login, therapist_a, client_a
):
    # Answered early for the coming session: a questionnaire before a session can be sent
    # again until the session ends (before a session that has ended it is refused,
    # test_before_session_too_late).
    upcoming = appointment_of(client_a, past=False)
    response = answered(client_a, appointment=upcoming, when=timezone.now() - timedelta(hours=1))
    http = login(therapist_a)
    created = http.post(
        f"/appointments/{upcoming.pk}/checkins/new/",
        {"instrument": "phq9", "timing": "before", "mode": "link"},
    )
    assert created.status_code == 302 and CheckIn.objects.count() == 1
    page = http.get(created["Location"]).content.decode()
    day = date_format(timezone.localtime(response.administered_at), "D j M Y")
    assert f"PHQ-9 {NOTICE} on {day}" in page
    assert "the newer answers replace the earlier ones" in page


@pytest.mark.django_db
def test_no_notice_when_only_another_questionnaire_or_appointment_was_answered(
    login, therapist_a, client_a
):
    answered(client_a, "session-checkin", when=appointment_of(client_a).starts_at)
    answered(client_a, appointment=appointment_of(client_a, past=False), key="other-appt")
    http = login(therapist_a)
    created = http.post(
        f"/appointments/{appointment_of(client_a).pk}/checkins/new/",
        {"instrument": "phq9", "timing": "after", "mode": "link"},
    )
    assert created.status_code == 302 and CheckIn.objects.count() == 1
    page = http.get(created["Location"]).content.decode()
    assert 'id="checkin-url"' in page  # the new link's page
    assert NOTICE not in page


@pytest.mark.django_db
def test_the_newer_answers_count_for_the_session_as_the_notice_says(client_a):
    from rapport.monitoring.series import load_episode_series

    appointment = appointment_of(client_a)
    appointment.attendance = "attended"
    appointment.save()
    earlier = answered(client_a)
    newer = answered(client_a, when=appointment.starts_at - timedelta(hours=1), key="newer")
    counted = set(load_episode_series(client_a.episodes.get()).response_ids.values())
    assert newer.pk in counted and earlier.pk not in counted
