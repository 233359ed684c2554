"""A goal the client wrote arrives "to talk through" and the therapist agrees it on the
goal's page: Working on it (reworded together or not) or Set aside. "To talk through" is
offered only for a goal in the client's words, never given to one the therapist typed
(setting a client's agreed goal back: test_goal_set_back_to_talk_through.py)."""

from __future__ import annotations

import html
import re

import pytest
from django.core.exceptions import ValidationError

from rapport.clinic.models import GoalStatus
from rapport.clinic.services import goal_update, goals_from_client

pytestmark = pytest.mark.django_db

WRITTEN = "Talk to my sister without it ending in a row"
TO_TALK_THROUGH = "Written by the client: to talk through"


def words(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def the_clients_goal(client):
    (goal,) = goals_from_client(episode=client.episodes.get(), texts=[WRITTEN], key="t")
    return goal


def goal_line(page: str, text: str) -> str:
    match = re.search(r"<li[^>]*><q>" + re.escape(text) + r"</q>.*?</li>", page, re.S)
    assert match, "the goals panel lists the goal"
    return words(match[0])


def test_agreeing_the_clients_goal_moves_it_to_working_on_it(client, login, therapist_a, client_a):
    goal = the_clients_goal(client_a)
    staff = login(therapist_a)
    before = staff.get(f"/clients/{client_a.pk}/").content.decode()
    assert TO_TALK_THROUGH in goal_line(before, WRITTEN)

    edit = staff.get(f"/goals/{goal.pk}/edit/").content.decode()
    assert f'<option value="to_agree" selected>{TO_TALK_THROUGH}</option>' in edit
    assert "it is not agreed yet and counts as no agreed goal" in edit
    saved = staff.post(f"/goals/{goal.pk}/edit/", {"text": WRITTEN, "status": "active"})
    assert saved.status_code == 302

    goal.refresh_from_db()
    assert (goal.status, goal.written_by_client) == (GoalStatus.ACTIVE, True)
    line = goal_line(staff.get(f"/clients/{client_a.pk}/").content.decode(), WRITTEN)
    assert "Working on it" in line and "to talk through" not in line
    assert "in the client’s words" in line  # agreed as written: still their words


def test_a_goal_the_therapist_typed_or_reworded_is_not_offered_to_talk_through(
    client, login, therapist_a, client_a
):
    typed = client_a.episodes.get().goals.get()  # tests/conftest.py: the therapist's
    staff = login(therapist_a)
    edit = staff.get(f"/goals/{typed.pk}/edit/").content.decode()
    assert 'value="to_agree"' not in edit and 'value="active" selected' in edit

    refused = staff.post(f"/goals/{typed.pk}/edit/", {"text": typed.text, "status": "to_agree"})
    assert refused.status_code == 400
    typed.refresh_from_db()
    assert typed.status == GoalStatus.ACTIVE

    reworded = the_clients_goal(client_a)
    goal_update(actor=None, goal=reworded, text="Talk to my sister", status=GoalStatus.ACTIVE)
    with pytest.raises(ValidationError):
        goal_update(actor=None, goal=reworded, text="Talk to my sister", status=GoalStatus.TO_AGREE)


def test_the_ending_form_offers_to_talk_through_only_for_a_goal_still_so(
    client, login, therapist_a, client_a
):
    typed = client_a.episodes.get().goals.get()
    written = the_clients_goal(client_a)
    staff = login(therapist_a)
    page = staff.get(f"/episodes/{client_a.episodes.get().pk}/end/").content.decode()
    assert f'name="goal_{written.pk}" value="to_agree"' in page
    assert f'name="goal_{typed.pk}" value="to_agree"' not in page
