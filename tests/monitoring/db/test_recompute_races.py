"""Two recomputes of one episode at once, and a recompute meeting a therapist's click.

A client's answer and the therapist's attendance marking committing together each schedule
a recompute of the episode. Both read "no snapshot yet", both inserted one, and the second
failed on the snapshot's primary key: its alerts were lost until the periodic run and the
log filled with errors. These need real concurrent writers (PostgreSQL in CI); the
in-memory SQLite test database cannot run them.
"""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Episode
from rapport.monitoring import services
from rapport.monitoring.models import ACTIVE_STATUSES, Alert, AlertStatus, EpisodeSnapshot
from tests.clinic._races import first_held_then_second, real_concurrency, run_twice_at_once
from tests.monitoring.db.helpers import checkins, make_episode, outcomes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("hooks_off"),
]


@pytest.fixture(autouse=True)
def _concurrent_writers():
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")


@pytest.fixture
def worsening(therapist_a):
    """A client with a rupture, a low alliance and a worsening PHQ-9; nothing computed yet,
    and the last session's check-in still to come."""
    now = timezone.now()
    client, episode, held = make_episode(therapist_a, "Race R.", sessions=6, now=now)
    checkins(client, held[:-1], [38, 38, 37, (6, 8, 8), (7, 8, 8)])
    outcomes(client, held, [8, 10, 12, 14, 16, 18])
    return client, episode, held


def _both_read_before_either_writes(monkeypatch):
    """Holds each recompute once it has read the episode's responses until the other has
    too (the moment the race needs). A recompute that waits for the other's episode lock
    never gets here in time: the first then goes on alone after a short wait."""
    barrier = threading.Barrier(2, timeout=3)
    load_many = services.load_many

    def loaded_then_wait(*args, **kwargs):
        loaded = load_many(*args, **kwargs)
        # Broken: the other is waiting for the lock, there is nothing to line up with.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return loaded

    monkeypatch.setattr(services, "load_many", loaded_then_wait)


def test_two_recomputes_of_one_episode_at_once_both_succeed_and_store_once(worsening, monkeypatch):
    client, episode, _held = worsening
    _both_read_before_either_writes(monkeypatch)

    results = run_twice_at_once(
        lambda: services.alerts_recompute_episode(episode=Episode(pk=episode.pk))
    )

    assert len(results) == 2
    assert all(isinstance(r, services.SyncResult) for r in results), results
    snapshot = EpisodeSnapshot.objects.get(episode=episode)
    assert [total for _session, total in snapshot.outcome_values] == [8, 10, 12, 14, 16, 18]
    active = list(Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES))
    kinds = [a.kind for a in active]
    assert {"alliance_rupture", "alliance_low"} <= set(kinds)
    assert len(kinds) == len(set(kinds)), "one active alert per kind"
    # Each alert raised once between them, and audited once.
    assert sum(r.created for r in results) == len(active)
    raised = AuditEvent.objects.filter(client_id=client.pk, target__endswith=":raised")
    assert raised.count() == len(active)


def test_a_recompute_does_not_undo_an_acknowledgement_made_while_it_ran(worsening, therapist_a):
    client, episode, held = worsening
    services.alerts_recompute_episode(episode=episode)
    low = Alert.objects.get(episode=episode, kind="alliance_low", status=AlertStatus.OPEN)
    # The last session's check-in arrives: the recompute will update the low-alliance alert.
    checkins(client, held[-1:], [(7, 8, 8)])

    def recompute():
        return services.alerts_recompute_episode(episode=Episode(pk=episode.pk))

    def acknowledge():
        return services.alert_acknowledge(actor=therapist_a, alert=Alert(pk=low.pk))

    # The recompute is held once it has read the alert, just before it saves it, long enough
    # for the click to commit when nothing holds the click back; a click that waits for the
    # recompute's lock is not waited for longer than that.
    finished = first_held_then_second(
        Alert, recompute, acknowledge, held_at=lambda alert: alert.pk == low.pk
    )

    assert not any(isinstance(o, Exception) for o in finished.values()), finished
    low.refresh_from_db()
    assert low.status == AlertStatus.ACKNOWLEDGED
    assert low.acknowledged_by_id == therapist_a.pk and low.acknowledged_at is not None
    assert low.session == 6  # and the recompute's update is kept too
