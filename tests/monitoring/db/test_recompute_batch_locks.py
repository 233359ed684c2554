"""The periodic recompute holds few episodes locked at a time.

Each batch keeps its episodes' rows locked while the detectors run (the race fixes need
it), and a client's check-in submit locks its episode first (``locked_appointment``), so it
waits for the whole batch. Batches of 200 held their locks for 2-3 s on PostgreSQL; a
batch of 25 for a few tenths of a second (``tasks.BATCH_SIZE``).
"""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connection, transaction

from rapport.clinic.models import Episode
from rapport.monitoring import services, tasks
from tests.clinic._races import real_concurrency
from tests.conftest import make_client

pytestmark = pytest.mark.usefixtures("hooks_off")


@pytest.fixture
def thirty_episodes(therapist_a) -> list[Episode]:
    return [make_client(therapist_a, f"Client {n:02d}").episodes.get() for n in range(30)]


@pytest.mark.django_db
def test_no_transaction_of_the_periodic_run_locks_more_than_25_episodes(
    thirty_episodes, monkeypatch
):
    locked_together: list[int] = []
    lock = services._lock_episodes

    def counting(episodes):
        locked_together.append(len(episodes))
        return lock(episodes)

    monkeypatch.setattr(services, "_lock_episodes", counting)
    result = tasks.recompute_alerts()
    assert result.episodes == 30
    assert locked_together == [25, 5]


def _free_to_lock(episode_id: int) -> bool:
    """Whether another connection could lock the episode now, as a check-in submit does
    (FOR UPDATE), without waiting."""
    outcome: list[bool] = []

    def probe():
        try:
            with transaction.atomic():
                Episode.objects.select_for_update(nowait=True).get(pk=episode_id)
            outcome.append(True)
        except DatabaseError:
            outcome.append(False)
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join(10)
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_a_check_in_on_an_episode_outside_the_batch_being_recomputed_does_not_wait(
    thirty_episodes, monkeypatch
):
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")
    first, last = thirty_episodes[0], thirty_episodes[-1]
    seen: dict[str, bool] = {}
    load_many = services.load_many

    def probe_while_locked(episodes, **kwargs):
        if not seen:  # the first batch, its episodes locked
            seen["first"] = _free_to_lock(first.pk)
            seen["last"] = _free_to_lock(last.pk)
        return load_many(episodes, **kwargs)

    monkeypatch.setattr(services, "load_many", probe_while_locked)
    tasks.recompute_alerts()
    assert seen == {"first": False, "last": True}
