"""The client's goals are not a check-in (review of 6f7a193).

A "Your goals" answer is stored as a response, but it is neither a score nor news about a
session. Decided per place that reads stored responses:

* the check-ins panel on the client page lists measures ("Session date", "read the scores
  as a conversation starter"): goals are left out there, and shown in the goals panel
  ("in the client's words, <date>");
* monitoring (series, feedback_missing, caseload alliance, counted_responses) reads only
  scored outcome and alliance answers (``monitoring.instruments.stored_ids``), so a goals
  answer never resets "no check-in for N days": kept so by construction, guarded here;
* scope and encryption: a supervisor sees the goals as other goals, the stored answers
  are encrypted too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from tests.checkins._helpers import make_link, open_and_answer

from rapport.clinic.models import Attendance
from rapport.measures.models import Response
from rapport.monitoring.apps import counted_responses
from rapport.monitoring.series import load_many

pytestmark = pytest.mark.django_db

FIRST = "Go back to the choir by spring"
GOAL = {"goal_1": FIRST, "goal_2": "", "goal_3": ""}


def answer_goals(http, client) -> Response:
    _checkin, token = make_link(client, "goals")
    assert open_and_answer(http, token, GOAL).status_code == 200
    return Response.objects.get(client=client, instrument_id="goals")


def test_the_checkins_panel_does_not_list_goals_as_a_measure(client, login, therapist_a, client_a):
    answer_goals(client, client_a)
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert f"<q>{FIRST}</q>" in page  # the goals panel
    assert 'id="series-goals"' not in page
    assert "Goals in the client&#x27;s words</h3>" not in page


def test_monitoring_never_counts_a_goals_answer_as_a_checkin(client, client_a):
    """Guard (no change needed): the series, and so feedback_missing's "no check-in for N
    days", the caseload and the panel's counting, never see a goals answer."""
    episode = client_a.episodes.select_related("client", "client__therapist").get()
    episode.appointments.filter(starts_at__lt=timezone.now()).update(attendance=Attendance.ATTENDED)
    before = load_many([episode], now=timezone.now())[0]
    response = answer_goals(client, client_a)
    after = load_many([episode], now=timezone.now() + timedelta(minutes=1))[0]
    assert after.series.observations == before.series.observations == ()
    assert response.pk not in after.response_ids.values()
    provided = counted_responses(client_a)
    assert "goals" not in provided.instruments
    assert response.pk not in provided.counted


def test_a_supervisor_sees_the_clients_goals_as_other_goals(client, login, supervisor, client_a):
    answer_goals(client, client_a)
    page = login(supervisor).get(f"/clients/{client_a.pk}/").content.decode()
    assert f"<q>{FIRST}</q>" in page
    assert "in the client’s words," in page


def test_the_stored_answers_are_encrypted_too(client, client_a):
    response = answer_goals(client, client_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT text_answers FROM measures_response WHERE id = %s", [response.pk])
        (raw,) = cursor.fetchone()
    assert raw and FIRST not in raw
