"""Rate limits: 600 calls a minute per token, 60 refused tokens a minute per address. The
counts live in Django's cache, which in production is a database table every worker
shares, each read and written under a lock of its own; a 429 says, in its body and its
Retry-After header, when to try again."""

from __future__ import annotations

import importlib
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from rapport.api.services import api_token_create
from rapport.api.throttles import FailedAuthThrottle, TokenRateThrottle

START = 1_800_000_000.0  # a fixed clock for the throttles' windows (seconds since 1970)
PATH = "/api/v1/clients/999999/responses"  # 404 for a token that works
#: Caches every worker on every host reads alike (LocMem is one process's, a file one host's).
SHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.db.DatabaseCache",
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}


def bearer(raw: str, address: str = "192.0.2.10") -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "REMOTE_ADDR": address}


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock (``timer``), fixed and movable: ``clock(seconds)`` after START."""

    def _set(seconds: float = 0.0) -> None:
        for throttle in (TokenRateThrottle, FailedAuthThrottle):
            monkeypatch.setattr(throttle, "timer", staticmethod(lambda: START + seconds))

    _set()
    return _set


@pytest.mark.django_db
def test_a_token_gets_600_calls_a_minute_then_a_429_that_says_when_to_retry(
    client, therapist_a, clock
):
    _, raw = api_token_create(actor="cli", user=therapist_a, name="busy script")
    _, other = api_token_create(actor="cli", user=therapist_a, name="other script")
    answers = {client.get(PATH, **bearer(raw)).status_code for _ in range(600)}
    assert answers == {404}
    clock(15)
    refused = client.get(PATH, **bearer(raw))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "45"
    assert refused.json() == {
        "detail": "Too many requests for this token: try again in 45 seconds."
    }
    # Each token is counted on its own: the user's other script goes on.
    assert client.get(PATH, **bearer(other)).status_code == 404
    clock(60)  # the first calls have left the window
    assert client.get(PATH, **bearer(raw)).status_code == 404


@pytest.mark.django_db
def test_sixty_refused_tokens_from_an_address_shut_its_refused_tokens_out_for_the_minute(
    client, therapist_a, clock
):
    answers = {client.get(PATH, **bearer(f"rpt_guess{n}")).status_code for n in range(60)}
    assert answers == {401}
    clock(20)
    refused = client.get(PATH, **bearer("rpt_guess-again"))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "40"
    assert refused.json() == {
        "detail": "Too many refused tokens from this address: try again in 40 seconds."
    }
    # Another address is not held up.
    assert client.get(PATH, **bearer("rpt_guess", address="198.51.100.7")).status_code == 401
    clock(60)
    assert client.get(PATH, **bearer("rpt_guess-again")).status_code == 401


@pytest.mark.django_db
def test_a_live_token_still_works_from_an_address_over_its_failure_limit(
    client, therapist_a, clock
):
    """A clinic's NAT or a proxy is one address for everyone behind it: someone's stale
    script there sending a dead token in a loop must not lock out every working token."""
    _, raw = api_token_create(actor="cli", user=therapist_a)
    for n in range(60):
        client.get(PATH, **bearer(f"rpt_guess{n}"))
    clock(20)
    assert client.get(PATH, **bearer("rpt_guess-again")).status_code == 429
    assert client.get(PATH, **bearer(raw)).status_code == 404  # the token works
    # And it is not counted as refused: the address's window frees up on time.
    clock(60)
    assert client.get(PATH, **bearer("rpt_guess-again")).status_code == 401


@pytest.mark.django_db
def test_an_expired_token_from_an_address_over_its_failure_limit_gets_the_429(
    client, therapist_a, clock
):
    """Past the limit a refused token learns nothing more, not even that it expired."""
    token, raw = api_token_create(actor="cli", user=therapist_a)
    token.expires_at = timezone.now() - timedelta(days=1)
    token.save(update_fields=["expires_at"])
    assert "expired" in client.get(PATH, **bearer(raw)).json()["detail"]
    for n in range(59):
        client.get(PATH, **bearer(f"rpt_guess{n}"))
    refused = client.get(PATH, **bearer(raw))
    assert refused.status_code == 429
    assert "expired" not in refused.json()["detail"]


@pytest.mark.django_db
def test_a_good_token_is_not_counted_as_refused(client, therapist_a, clock):
    _, raw = api_token_create(actor="cli", user=therapist_a)
    for _ in range(61):
        assert client.get(PATH, **bearer(raw)).status_code == 404
    for n in range(59):
        client.get(PATH, **bearer(f"rpt_guess{n}"))
    assert client.get(PATH, **bearer(raw)).status_code == 404


@pytest.mark.django_db
def test_a_forged_forwarded_for_header_does_not_buy_a_fresh_count(client, clock):
    """With no trusted proxy (the default without HTTPS), X-Forwarded-For is the caller's
    own say: the address counted is the connection's."""
    for n in range(60):
        client.get(PATH, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}", **bearer(f"rpt_guess{n}"))
    forged = client.get(PATH, HTTP_X_FORWARDED_FOR="203.0.113.200", **bearer("rpt_guess"))
    assert forged.status_code == 429


@pytest.mark.django_db
def test_the_openapi_document_lists_the_429(client, therapist_a):
    _, raw = api_token_create(actor=None, user=therapist_a)
    document = client.get("/api/v1/openapi.json", **bearer(raw)).json()
    answers = document["paths"]["/api/v1/clients/{client_id}/responses"]["get"]["responses"]
    assert "429" in answers


@pytest.mark.django_db
def test_refused_tokens_for_the_openapi_document_count_toward_the_addresss_limit(client, clock):
    for n in range(60):
        assert client.get("/api/v1/openapi.json", **bearer(f"rpt_wrong{n}")).status_code == 401
    refused = client.get("/api/v1/openapi.json", **bearer("rpt_wrong-again"))
    assert refused.status_code == 429
    assert refused["Retry-After"] and "try again in" in refused.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_the_counts_live_in_the_shared_database_cache_not_in_a_workers_memory(
    client, therapist_a, clock
):
    """Production's cache is a table every worker reads (settings.CACHES): a count kept in
    one process's memory would give each worker, and each host, a limit of its own."""
    from django.db import connection

    # The test settings swap in a per-process cache, and this test sets its own below:
    # the production module's value is what a clinic runs with.
    production = importlib.import_module("rapport.settings").CACHES["default"]["BACKEND"]
    assert production in SHARED_CACHE_BACKENDS, production

    call_command("createcachetable", "rapport_api_test_cache", verbosity=0)
    try:
        with override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "rapport_api_test_cache",
                }
            }
        ):
            _, raw = api_token_create(actor="cli", user=therapist_a)
            client.get(PATH, **bearer(raw))
            client.get(PATH, **bearer("rpt_guess"))
            with connection.cursor() as cursor:
                cursor.execute("SELECT cache_key FROM rapport_api_test_cache")
                keys = " ".join(row[0] for row in cursor.fetchall())
            assert "throttle_api-token_" in keys
            assert "throttle_api-failed-auth_192.0.2.10" in keys
            cache.clear()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE rapport_api_test_cache")


def test_a_count_that_two_workers_pushed_past_the_limit_still_says_when_to_retry(clock, rf):
    """A count can be past its limit (the limit was lowered, or a lock failed: see
    docs/api.md). ninja's own wait() then gives no time at all; a 429 must still say one."""
    throttle = TokenRateThrottle("2/min")
    request = rf.get(PATH)
    request.api_token_id = 7
    # Three calls counted where two are allowed: at 0 s, 10 s and 20 s (newest first).
    cache.set(throttle.get_cache_key(request), [START + 20, START + 10, START], 60)
    clock(30)
    assert not throttle.allow_request(request)
    assert throttle.wait() == 40  # the call at 10 s must leave the window for one more


@pytest.mark.django_db
def test_the_last_second_of_a_wait_reads_as_one_second(client, therapist_a, clock):
    for n in range(60):
        client.get(PATH, **bearer(f"rpt_guess{n}"))
    clock(59.5)
    refused = client.get(PATH, **bearer("rpt_guess-again"))
    assert refused["Retry-After"] == "1"
    assert refused.json()["detail"].endswith("try again in 1 second.")


@pytest.mark.django_db
def test_past_the_limit_dead_tokens_are_refused_without_a_token_lookup_and_live_ones_go_on(
    client, therapist_a, clock, monkeypatch
):
    """A flood of dead tokens from an address over its limit costs no query of the token
    table and no hash each; a live token from the same address, even one made during the
    flood, still goes ahead."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from rapport.api import selectors
    from rapport.api.models import ApiToken

    _, live_raw = api_token_create(actor="cli", user=therapist_a, name="export")
    expired, expired_raw = api_token_create(actor="cli", user=therapist_a, name="old")
    expired.expires_at = timezone.now() - timedelta(days=1)
    expired.save(update_fields=["expires_at"])
    for n in range(60):
        client.get(PATH, **bearer(f"rpt_guess{n}"))
    clock(20)
    # The first refusal past the limit builds the cached list of live prefixes.
    assert client.get(PATH, **bearer("rpt_guess-again")).status_code == 429
    hashed = []
    monkeypatch.setattr(
        selectors, "hash_token", lambda raw: hashed.append(raw) or f"never-{len(hashed)}"
    )
    flood = [f"rpt_flood{n}" for n in range(30)] + [expired_raw]
    with CaptureQueriesContext(connection) as queries:
        answers = [client.get(PATH, **bearer(raw)) for raw in flood]
    assert [a.status_code for a in answers] == [429] * len(flood)
    assert {a["Retry-After"] for a in answers} == {"40"}
    table = ApiToken._meta.db_table
    assert [q["sql"] for q in queries.captured_queries if table in q["sql"]] == []
    assert hashed == []
    monkeypatch.undo()
    clock(20)
    # Live tokens from the same address go ahead: one made before, and one made now.
    assert client.get(PATH, **bearer(live_raw)).status_code == 404
    _, new_raw = api_token_create(actor="cli", user=therapist_a, name="made during it")
    assert client.get(PATH, **bearer(new_raw)).status_code == 404
    # Neither was counted as refused: the window frees up on time.
    clock(60)
    assert client.get(PATH, **bearer("rpt_guess-again")).status_code == 401


@pytest.mark.django_db
def test_past_the_limit_a_dead_token_with_a_live_ones_prefix_is_looked_up_and_still_refused(
    client, therapist_a, clock
):
    """The price of not locking out live tokens: a made-up token that carries a live
    token's shown prefix is looked up, and gets the 429 all the same (not a 401)."""
    _, live_raw = api_token_create(actor="cli", user=therapist_a)
    for n in range(60):
        client.get(PATH, **bearer(f"rpt_guess{n}"))
    lookalike = live_raw[:12] + "x" * (len(live_raw) - 12)
    refused = client.get(PATH, **bearer(lookalike))
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("Too many refused tokens from this address")


@pytest.mark.django_db
def test_a_revoked_token_leaves_the_cached_live_prefixes_at_once(client, therapist_a, clock):
    from rapport.api.selectors import may_be_live
    from rapport.api.services import api_token_revoke

    token, raw = api_token_create(actor="cli", user=therapist_a)
    assert may_be_live(raw)  # builds and caches the list
    assert not may_be_live("rpt_" + "y" * 40)
    api_token_revoke(actor="cli", token=token)
    assert not may_be_live(raw)


class _SlowCache:
    """The test cache, with each read taking as long as a database round trip: a worker's
    read and its write of a count are then far enough apart for another's to fall between."""

    def __init__(self, inner):
        self.inner = inner

    def get(self, *args, **kwargs):
        value = self.inner.get(*args, **kwargs)
        time.sleep(0.002)
        return value

    def __getattr__(self, name):
        return getattr(self.inner, name)


def _at_once(calls_per_worker: int, call) -> list:
    """``call()`` from eight threads (the workers) started together; every answer."""
    workers = 8
    start = threading.Barrier(workers)

    def worker() -> list:
        start.wait()
        return [call() for _ in range(calls_per_worker)]

    with ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(worker) for _ in range(workers)]
        return [answer for future in futures for answer in future.result()]


def test_calls_arriving_at_once_from_many_workers_are_counted_exactly(clock, rf, monkeypatch):
    """240 calls on one token from eight workers at once, against 100 a minute: exactly
    100 go through, and the count holds all 100 (none written over by another worker)."""
    slow = _SlowCache(cache)
    monkeypatch.setattr(TokenRateThrottle, "cache", slow)
    request = rf.get(PATH)
    request.api_token_id = 7

    answers = _at_once(30, lambda: TokenRateThrottle("100/min").allow_request(request))
    assert answers.count(True) == 100
    assert len(cache.get(TokenRateThrottle().get_cache_key(request))) == 100


def test_refused_tokens_arriving_at_once_get_exactly_the_limit_of_401s(clock, rf, monkeypatch):
    slow = _SlowCache(cache)
    monkeypatch.setattr(FailedAuthThrottle, "cache", slow)
    request = rf.get(PATH, REMOTE_ADDR="192.0.2.10")

    answers = _at_once(20, lambda: FailedAuthThrottle("60/min").count_failure(request))
    assert answers.count(True) == 60  # the 401s; the other 100 get the 429
    assert len(cache.get(FailedAuthThrottle().get_cache_key(request))) == 60


@pytest.mark.django_db(transaction=True)
def test_on_the_database_cache_calls_from_many_connections_at_once_are_counted_exactly(rf):
    """The same as above on production's cache, a database table, each worker with its own
    database connection: the lock (an INSERT on the cache table's key) holds there too."""
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's in-memory test database locks whole tables between threads")
    call_command("createcachetable", "rapport_api_test_cache", verbosity=0)
    try:
        with override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                    "LOCATION": "rapport_api_test_cache",
                }
            }
        ):
            request = rf.get(PATH)
            request.api_token_id = 7

            def call() -> bool:
                try:
                    return TokenRateThrottle("100/min").allow_request(request)
                finally:
                    connections.close_all()  # this thread's connection

            answers = _at_once(30, call)
            assert answers.count(True) == 100
            assert len(cache.get(TokenRateThrottle().get_cache_key(request))) == 100
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE rapport_api_test_cache")


@pytest.mark.django_db
def test_a_call_that_cannot_have_its_counts_lock_in_time_is_told_to_retry_in_a_second(
    client, therapist_a, clock, monkeypatch
):
    """A lock held too long (its worker died, or calls crowd in) refuses the call rather
    than counting it unlocked; the lock's row expires by itself (LOCK_SECONDS)."""
    from rapport.api import throttles

    monkeypatch.setattr(throttles, "LOCK_WAIT_SECONDS", 0.05)
    token, raw = api_token_create(actor="cli", user=therapist_a)
    key = TokenRateThrottle().cache_format % {"scope": "api-token", "ident": token.pk}
    cache.add(f"{key}:lock", True, throttles.LOCK_SECONDS)
    refused = client.get(PATH, **bearer(raw))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "1"
    assert refused.json() == {"detail": "Too many requests for this token: try again in 1 second."}
    cache.delete(f"{key}:lock")
    assert client.get(PATH, **bearer(raw)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_new_addresses_does_not_wipe_the_counts_of_others(rf):
    """The database cache deletes a third of its live entries, counts included, once it
    holds more than MAX_ENTRIES: with Django's default of 300, refused tokens from 400 new
    addresses (IPv6 networks are cheap to come by) would wipe an address's count, and the login
    throttle's, and the probing could start again."""
    from django.db import connection

    production = dict(importlib.import_module("rapport.settings").CACHES["default"])
    call_command("createcachetable", "rapport_api_test_cache", verbosity=0)
    try:
        with override_settings(
            CACHES={"default": {**production, "LOCATION": "rapport_api_test_cache"}}
        ):
            prober = rf.get(PATH, REMOTE_ADDR="192.0.2.10")
            for _ in range(60):
                FailedAuthThrottle().count_failure(prober)
            for n in range(400):
                FailedAuthThrottle().count_failure(rf.get(PATH, REMOTE_ADDR=f"2001:db8:{n:x}::1"))
            assert FailedAuthThrottle().over_limit(prober)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE rapport_api_test_cache")
