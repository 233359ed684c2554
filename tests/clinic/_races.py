"""Two writers meeting, for the race tests of every app ("never counted twice", DESIGN §5;
"exactly one of the two is kept"). They need real concurrent writers: PostgreSQL in CI
(``RAPPORT_DATABASE_URL``); each test skips itself on the in-memory SQLite database."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection
from django.db.models.signals import pre_save


def real_concurrency() -> bool:
    """Threads need their own connections to one database (PostgreSQL in CI): the in-memory
    SQLite test database lets no second writer wait (see tests/checkins/test_exactly_once)."""
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


@contextmanager
def both_checked_before_either_inserts(model) -> Iterator[None]:
    """Holds each of two submissions just before it inserts its ``model`` row (after every
    check the service makes) until the other has got there too: the moment a race needs."""
    barrier = threading.Barrier(2, timeout=10)

    def wait_for_the_other(sender, instance, **kwargs):
        if instance.pk is None:
            barrier.wait()

    pre_save.connect(wait_for_the_other, sender=model, weak=False)
    try:
        yield
    finally:
        pre_save.disconnect(wait_for_the_other, sender=model)


def run_at_once(targets: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Each target in its own thread, named by its key and on its own connection, all let go
    at the same moment; what each returned (or the exception it raised), by name, in the
    order they finished."""
    results: dict[str, object] = {}
    all_started = threading.Barrier(len(targets), timeout=10)

    def run(name: str, target: Callable[[], object]):
        try:
            all_started.wait()
            results[name] = target()
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            results[name] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(name, target), name=name)
        for name, target in targets.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def run_twice_at_once(target: Callable[[], object]) -> list:
    """``target()`` in two threads at once, each on its own connection; their results (or
    the exception each raised)."""
    return list(run_at_once({"one": target, "two": target}).values())


def first_held_then_second(
    model,
    first: Callable[[], object],
    second: Callable[[], object],
    *,
    held_at: Callable[[object], bool] = lambda instance: True,
) -> dict[str, object]:
    """Runs ``first`` and holds it just before it saves a ``model`` row (the first such
    save for which ``held_at(instance)`` holds: after every check it makes, inside its
    transaction); then runs ``second`` in another thread. ``first`` goes on once ``second``
    has finished, or after three seconds if ``second`` is waiting for a lock ``first``
    holds. Returns what each returned or raised, under "first" and "second"."""
    reached, second_done = threading.Event(), threading.Event()

    def hold(sender, instance, **kwargs):
        held = threading.current_thread().name == "first" and not reached.is_set()
        if held and held_at(instance):
            reached.set()
            second_done.wait(timeout=3)

    def second_once_first_is_held():
        try:
            assert reached.wait(timeout=10), "the first never reached its save"
            return second()
        finally:
            second_done.set()

    pre_save.connect(hold, sender=model, weak=False)
    try:
        return run_at_once({"first": first, "second": second_once_first_is_held})
    finally:
        pre_save.disconnect(hold, sender=model)
