"""A goal the client wrote is not agreed until the therapist talks it through with them
(agreement on goals, Bordin): the guidance context counts an episode whose only goals are
"to talk through" as having no agreed goals, and counts the goal once it is agreed."""

from __future__ import annotations

import pytest

from rapport.clinic.models import GoalStatus
from rapport.clinic.services import goal_update, goals_from_client
from rapport.monitoring.selectors import client_monitoring

pytestmark = pytest.mark.django_db

WRITTEN = "Sleep through the night most weeks"


def only_the_clients_goal(client):
    episode = client.episodes.get()
    episode.goals.all().delete()  # the goal the therapist typed (tests/conftest.py)
    (goal,) = goals_from_client(episode=episode, texts=[WRITTEN], key="t")
    return goal


def test_an_episode_with_only_goals_to_talk_through_has_no_agreed_goals(client_a):
    goal = only_the_clients_goal(client_a)
    assert goal.status == GoalStatus.TO_AGREE

    monitoring = client_monitoring(client_a)

    assert "no_goals" in monitoring.context and "has_goals" not in monitoring.context
    assert monitoring.goals == []  # not shown under "revisit the goals" strategies either


def test_the_goal_counts_once_the_therapist_agrees_it(client_a):
    goal = only_the_clients_goal(client_a)

    goal_update(actor=None, goal=goal, text=WRITTEN, status=GoalStatus.ACTIVE)

    monitoring = client_monitoring(client_a)
    assert "has_goals" in monitoring.context and "no_goals" not in monitoring.context
    assert [g.text for g in monitoring.goals] == [WRITTEN]
