"""Rate limits for the API: per token, and per caller address for failed authentication.

Both are django-ninja throttles (``ninja.throttling``), which keep their counts in Django's
default cache: Rapport's is a database table (``settings.CACHES``), so every worker on every
host counts together, like the login throttle.

A count is a list of times, read, changed and written back: two workers doing that at the
same instant would each write over the other's call, and the limit would let through about
one call more per worker. So each count is read and written under a lock of its own
(``counting_lock``), made with ``cache.add``: on the database cache that is an INSERT on
the cache table's primary key, which only one worker can win, so the counts are exact. (The
cache's ``incr`` would not do: outside Redis and memcached it is a get and a set, and on
the database cache ``add`` is only atomic for a key with no row, which is why the lock's row
is deleted, not left to expire.) What the lock does not cover is said in docs/api.md.

The limits are generous for a researcher's export script and documented in docs/api.md.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest
from ninja.errors import Throttled
from ninja.throttling import SimpleRateThrottle

from rapport.core.http import client_ip

__all__ = [
    "FAILED_AUTH_RATE",
    "TOKEN_RATE",
    "FailedAuthThrottle",
    "FailedAuthThrottled",
    "TokenRateThrottle",
    "counting_lock",
    "retry_after_seconds",
]

#: Ten calls a second, sustained: a script that pages through a caseload stays well under
#: it; a runaway loop, or a leaked token in someone else's hands, does not.
TOKEN_RATE = "600/min"  # noqa: S105 - a rate, not a secret
#: Refused tokens from one address: a mistyped token fails a few times; sixty a minute is
#: someone probing, or a script that keeps an expired token, and refused tokens from the
#: address then get a 429 (live tokens from it still go ahead).
FAILED_AUTH_RATE = "60/min"


#: A lock's row expires on its own after this long, should its worker die holding it
#: (holding it takes a read and a write of the cache: milliseconds).
LOCK_SECONDS = 5
#: How long a call waits for a count's lock before it is refused (see counting_lock).
LOCK_WAIT_SECONDS = 1.0


@contextmanager
def counting_lock(cache: BaseCache, key: str) -> Iterator[bool]:
    """Hold the lock of the count at ``key`` while it is read and written; says whether
    it was had.

    ``cache.add`` of the lock's key succeeds for one worker only while no row holds it,
    and the holder deletes the row when done. A call that cannot have it within
    LOCK_WAIT_SECONDS (many calls on one count at once, a worker that died holding it,
    a stalled database) is refused, with a 429 saying to retry in a second: counting it
    without the lock would let the limit be passed exactly when calls crowd in."""
    lock_key = f"{key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.005
    while not cache.add(lock_key, True, LOCK_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    try:
        yield True
    finally:
        cache.delete(lock_key)


class _WindowThrottle(SimpleRateThrottle):
    """ninja's sliding window, counted under the count's lock, saying when the next
    request will be let through."""

    #: Whether the last call was refused because its count's lock could not be had.
    lock_missed = False

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None:
            return True
        with counting_lock(self.cache, key) as locked:
            self.lock_missed = not locked
            if locked:
                return super().allow_request(request)
        return False  # refused, uncounted: wait() says a second

    def wait(self) -> float | None:
        """Seconds until enough of the counted requests leave the window for one more.
        (ninja's own answer is None when the count is past the limit, as after the limit
        was lowered or a lock failed, docs/api.md; a 429 must still say when to retry.)"""
        if self.lock_missed:  # nothing is known of the window: the lock is soon free
            return 1.0
        limit, duration = self.num_requests, self.duration
        if limit is None or duration is None:
            return None
        history = getattr(self, "history", [])
        if len(history) < limit:
            return 0.0
        # history is newest first: the limit-th newest must leave for one more to fit.
        return max(1.0, duration - (self.now - history[limit - 1]))


class TokenRateThrottle(_WindowThrottle):
    """Calls per token (not per user: each token is one script, counted on its own)."""

    scope = "api-token"

    def __init__(self, rate: str = TOKEN_RATE):
        super().__init__(rate)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token_id = getattr(request, "api_token_id", None)
        if token_id is None:  # not authenticated by a token: nothing to count against
            return None
        return self.cache_format % {"scope": self.scope, "ident": token_id}


class FailedAuthThrottled(Throttled):
    """Too many refused tokens from one address (a 429, said in words of its own)."""

    message_text = "Too many refused tokens from this address"


class FailedAuthThrottle(_WindowThrottle):
    """Refused tokens per caller address (``core.http.client_ip``: behind the configured
    proxies, the address the outermost trusted one saw, so a forged X-Forwarded-For does
    not buy a fresh count). Only failures count: :meth:`over_limit` checks the count
    without adding to it, :meth:`count_failure` adds one. An address over the limit gets
    a 429 for every refused token (not a 401, nor when one expired) until its window has
    room again, while a live token from the same address (a clinic's NAT, a proxy) goes
    on; ``api.TokenAuth`` says in which order the count and the token are looked at.

    What this does not do is slow down guessing a token: a right guess would go through.
    It needs no help there (a token is 32 random bytes, ``tokens.new_token``); the limit
    is for the script stuck sending a dead token in a loop, and for the noise of probing."""

    scope = "api-failed-auth"

    def __init__(self, rate: str = FAILED_AUTH_RATE):
        super().__init__(rate)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        ident = address_group(client_ip(request))
        return self.cache_format % {"scope": self.scope, "ident": ident}

    _counting = False

    def throttle_success(self) -> bool:
        if self._counting:
            return super().throttle_success()
        return True  # only looking: a request that may go ahead is not a failure

    def over_limit(self, request: HttpRequest) -> bool:
        """Whether this address has sent its limit of refused tokens in the window (a
        read: it adds nothing to the count, and takes no lock)."""
        self._counting = False
        return not SimpleRateThrottle.allow_request(self, request)

    def count_failure(self, request: HttpRequest) -> bool:
        """Count this request as a refused token, unless the address has reached its limit
        meanwhile: False then (the 429, :meth:`refuse`). Read and written under the
        count's lock, so of many refused tokens sent at once exactly the limit get a 401."""
        self._counting = True
        return self.allow_request(request)

    def refuse(self) -> NoReturn:
        """The 429, with when to retry (after :meth:`over_limit` said True)."""
        raise FailedAuthThrottled(wait=self.wait())  # type: ignore[arg-type]


def retry_after_seconds(wait: float | None) -> int | None:
    """Whole seconds for the Retry-After header (RFC 9110 takes no fractions), never 0:
    "retry after 0 seconds" would send a script straight back into the limit."""
    return None if wait is None else max(1, math.ceil(wait))


def address_group(address: str | None) -> str:
    """What one caller's refused tokens are counted under: the IPv4 address, or the /64
    network of an IPv6 one. A single IPv6 subscriber holds a whole /64 (RFC 6177), so
    counting each address would give them 2^64 fresh limits; allauth's login throttle
    groups the same way."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)
