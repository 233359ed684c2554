"""A goal the client wrote and the therapist agreed by mistake is set back to "to talk
through" on the goal's page: the same goal (its date, its words, "in the client's words"),
audited as any goal change, with a message saying what it changes. A goal the therapist
typed never is."""

from __future__ import annotations

import html
import re

import pytest

from rapport.audit.models import AuditEvent
from rapport.clinic.models import GoalStatus
from rapport.clinic.services import goal_update, goals_from_client

pytestmark = pytest.mark.django_db

WRITTEN = "Get back to swimming on Saturdays"
TO_TALK_THROUGH = "Written by the client: to talk through"


def words(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def goal_line(page: str, text: str) -> str:
    match = re.search(r"<li[^>]*><q>" + re.escape(text) + r"</q>.*?</li>", page, re.S)
    assert match, "the goals panel lists the goal"
    return words(match[0])


def agreed_by_mistake(client):
    (goal,) = goals_from_client(episode=client.episodes.get(), texts=[WRITTEN], key="m")
    return goal_update(actor=None, goal=goal, text=WRITTEN, status=GoalStatus.ACTIVE)


def test_a_clients_goal_agreed_by_mistake_is_set_back_to_talk_through(login, therapist_a, client_a):
    goal = agreed_by_mistake(client_a)
    created_at = goal.created_at
    staff = login(therapist_a)

    edit = staff.get(f"/goals/{goal.pk}/edit/").content.decode()
    assert f'<option value="to_agree">{TO_TALK_THROUGH}</option>' in edit
    assert "Agreed or set aside by mistake?" in words(edit)
    audited = AuditEvent.objects.filter(target=f"goal:{goal.pk}", action="update").count()

    saved = staff.post(
        f"/goals/{goal.pk}/edit/", {"text": WRITTEN, "status": "to_agree"}, follow=True
    )
    page = saved.content.decode()
    assert "Goal set back to “Written by the client: to talk through”" in html.unescape(page)
    assert "counts as no agreed goal until you talk it through together" in html.unescape(page)

    goal.refresh_from_db()
    # The same goal, not a new one: its date, words and origin are kept.
    assert client_a.episodes.get().goals.count() == 2
    assert (goal.status, goal.text, goal.written_by_client, goal.created_at) == (
        GoalStatus.TO_AGREE,
        WRITTEN,
        True,
        created_at,
    )
    assert (
        AuditEvent.objects.filter(target=f"goal:{goal.pk}", action="update").count() == audited + 1
    )
    line = goal_line(page, WRITTEN)
    assert TO_TALK_THROUGH in line and "in the client’s words" in line
    assert "Not agreed yet" in line


def test_agreeing_says_goal_saved_not_set_back(login, therapist_a, client_a):
    (goal,) = goals_from_client(episode=client_a.episodes.get(), texts=[WRITTEN], key="n")
    page = login(therapist_a).post(
        f"/goals/{goal.pk}/edit/", {"text": WRITTEN, "status": "active"}, follow=True
    )
    text = html.unescape(page.content.decode())
    assert "Goal saved." in text and "Goal set back" not in text


def test_a_goal_the_therapist_typed_is_still_not_offered_it(login, therapist_a, client_a):
    typed = client_a.episodes.get().goals.get()  # tests/conftest.py: the therapist's
    staff = login(therapist_a)
    edit = staff.get(f"/goals/{typed.pk}/edit/").content.decode()
    assert 'value="to_agree"' not in edit and "by mistake" not in edit
    refused = staff.post(f"/goals/{typed.pk}/edit/", {"text": typed.text, "status": "to_agree"})
    assert refused.status_code == 400
    typed.refresh_from_db()
    assert typed.status == GoalStatus.ACTIVE


@pytest.mark.parametrize("agreed_first", [False, True])
def test_a_reworded_goal_does_not_stay_or_go_back_to_talk_through(
    login, therapist_a, client_a, agreed_first
):
    """Saved reworded with "to talk through", the goal said "Written by the client" of the
    therapist's words (and lost "in the client's words"): it is refused, nothing changes."""
    if agreed_first:
        goal = agreed_by_mistake(client_a)
    else:
        (goal,) = goals_from_client(episode=client_a.episodes.get(), texts=[WRITTEN], key="r")
    status = goal.status
    staff = login(therapist_a)
    refused = staff.post(
        f"/goals/{goal.pk}/edit/", {"text": "Swim on Saturdays", "status": "to_agree"}
    )
    assert refused.status_code == 400
    assert "no longer in the client's words" in html.unescape(refused.content.decode())
    goal.refresh_from_db()
    assert (goal.text, goal.status, goal.written_by_client) == (WRITTEN, status, True)

    line = goal_line(staff.get(f"/clients/{client_a.pk}/").content.decode(), WRITTEN)
    assert "in the client’s words" in line
