"""Answers given for no appointment (an import, the API) are marked "not counted" in the
*Check-ins and scores* table when another answer counts for their session, as answers
given for an appointment are.

Monitoring places such an answer at the session of the day it was given (its
``placed_ids``), where a newer one replaces it and where the session's own answer (given
for its appointment) counts instead; the panel asks monitoring which answers count
(``core.hooks.counted_responses``). Where monitoring does not say (an instrument it does not
count, the C-NIP; or monitoring not installed) the panel's own rule skipped every answer
without an appointment: two given on one day both read as counted.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from tests.checkins.test_panel_counts_what_monitoring_counts import (
    REPLACED,
    three_rated_sessions,
)
from tests.checkins.test_panel_replaced_answers import rows_of
from tests.measures._helpers import answers_for

from rapport.core import hooks
from rapport.measures.services import response_record

pytestmark = pytest.mark.django_db


def given(client, instrument_id, values, *, at, key, appointment=None):
    return response_record(
        client=client,
        instrument_id=instrument_id,
        answers=answers_for(instrument_id, values),
        source="api" if appointment is None else "link",
        idempotency_key=key,
        administered_at=at,
        appointment=appointment,
        actor=None if appointment is None else "client-link",
    )[0]


def phq9(client, score_each, *, at, key, appointment=None):
    return given(client, "phq9", [score_each] * 9, at=at, key=key, appointment=appointment)


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def marked(page: str, instrument_id: str) -> list[bool]:
    """For each row of the instrument's table, newest first: is it marked not counted?"""
    return [REPLACED in row for row in rows_of(page, instrument_id)]


def test_the_earlier_of_two_preference_answers_given_on_one_day_is_marked(
    login, therapist_a, client_a
):
    # The C-NIP has no total, so monitoring does not count it: the panel's own rule decides.
    today = timezone.localdate()
    given(client_a, "cnip", [1] * 18, at=at(today - timedelta(days=9), 9), key="cnip-earlier")
    given(client_a, "cnip", [2] * 18, at=at(today - timedelta(days=9), 11), key="cnip-later")
    given(client_a, "cnip", [3] * 18, at=at(today - timedelta(days=2), 9), key="cnip-other-day")
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    # Newest first: another day's answer, the later one that day, the earlier one that day.
    assert marked(page, "cnip") == [False, False, True]


def test_without_monitorings_answer_the_table_marks_what_monitoring_would(
    login, therapist_a, monkeypatch
):
    """The panel's own rule (monitoring not installed) against monitoring's, on one client:
    two answers placed by date at one session; one placed by date at a session that has its
    own (earlier) answer; one alone the day before a session."""
    client, _episode, sessions = three_rated_sessions(therapist_a)
    day = [timezone.localdate(session.starts_at) for session in sessions]
    phq9(client, 0, at=at(day[0] - timedelta(days=1), 18), key="alone-the-day-before")
    phq9(client, 1, at=at(day[1], 8), key="dated-earlier")
    phq9(client, 2, at=at(day[1], 9), key="dated-later")
    phq9(client, 1, at=at(day[2], 8), key="own", appointment=sessions[2])
    phq9(client, 3, at=at(day[2], 9), key="dated-after-the-own")

    http = login(therapist_a)
    with_monitoring = marked(http.get(f"/clients/{client.pk}/").content.decode(), "phq9")
    monkeypatch.setattr(hooks, "_counted_response_providers", [])  # as without monitoring
    assert hooks.counted_responses(client) is None
    own_rule = marked(http.get(f"/clients/{client.pk}/").content.decode(), "phq9")

    # Newest first, in session order: session 3 (its own answer, given for the appointment
    # at 10:00, then the one given at 09:00 for none), session 2 (the later, the earlier),
    # the day before session 1.
    expected = [False, True, False, True, False]
    assert with_monitoring == expected
    assert own_rule == expected
