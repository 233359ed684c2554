"""clinic 0009: a goal the client wrote before "to talk through" existed, and that the
therapist never edited since, becomes "to talk through" (it was never agreed); one the
therapist saved stays "Working on it". Reversed, "to talk through" goes back to "Working on
it", the only status the code before knew for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rapport.clinic.models import Goal, GoalStatus

BEFORE = [("clinic", "0008_goal_written_by_client")]


def _migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_clients_unedited_goals_become_to_talk_through_and_back(client_a):
    episode = client_a.episodes.get()
    typed = episode.goals.get()  # tests/conftest.py: the therapist's, "Working on it"
    unedited = Goal.objects.create(episode=episode, text="Unedited", written_by_client=True)
    saved = Goal.objects.create(episode=episode, text="Saved", written_by_client=True)
    later = saved.created_at + dt.timedelta(days=1)  # the therapist saved it on its page
    Goal.objects.filter(pk=saved.pk).update(updated_at=later)
    waiting = Goal.objects.create(
        episode=episode, text="Waiting", written_by_client=True, status=GoalStatus.TO_AGREE
    )

    _migrate(BEFORE)
    statuses = dict(Goal.objects.values_list("pk", "status"))
    assert statuses[waiting.pk] == "active"  # reversed: the old code's status for it

    _migrate()
    statuses = dict(Goal.objects.values_list("pk", "status"))
    assert statuses == {
        typed.pk: "active",
        unedited.pk: "to_agree",
        saved.pk: "active",
        waiting.pk: "to_agree",  # never edited either: back to where it was
    }
