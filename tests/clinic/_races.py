"""Two submissions meeting, for the tests of "never counted twice" (DESIGN §5)."""

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


def run_twice_at_once(target: Callable[[], object]) -> list:
    """``target()`` in two threads at once, each on its own connection; their results (or
    the exception each raised)."""
    results: list = []
    lock = threading.Lock()

    def run():
        try:
            outcome = target()
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            outcome = error
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results
