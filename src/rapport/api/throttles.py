"""Rate limits for the API: per token, and per caller address for failed authentication.

Both are django-ninja throttles (``ninja.throttling``), which keep their counts in Django's
default cache: Rapport's is a database table (``settings.CACHES``), so every worker on every
host counts together, like the login throttle. The counts are read and written without a
lock, so two workers answering at the same instant may each miss the other's request: the
limits are approximate by a request or two, which is all they need to be.

The limits are generous for a researcher's export script and documented in docs/api.md.
"""

from __future__ import annotations

import math

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
    "retry_after_seconds",
]

#: Ten calls a second, sustained: a script that pages through a caseload stays well under
#: it; a runaway loop, or a leaked token in someone else's hands, does not.
TOKEN_RATE = "600/min"  # noqa: S105 - a rate, not a secret
#: Refused tokens from one address: a mistyped token fails a few times; sixty a minute is
#: someone probing, or a script that keeps an expired token, and refused tokens from the
#: address then get a 429 (live tokens from it still go ahead).
FAILED_AUTH_RATE = "60/min"


class _WindowThrottle(SimpleRateThrottle):
    """ninja's sliding window, saying when the next request will be let through."""

    def wait(self) -> float | None:
        """Seconds until enough of the counted requests leave the window for one more.
        (ninja's own answer is None when a race between workers let the count pass the
        limit; a 429 must still say when to retry.)"""
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
    not buy a fresh count). Only failures count: :meth:`allow_request` checks the count
    without adding to it, :meth:`record_failure` adds one. Checked after the token is
    looked up, and only for a token that was refused: an address over the limit gets a
    429 for every refused token (not a 401, nor when one expired) until its window has
    room again, while a live token from the same address (a clinic's NAT, a proxy) goes on.

    What this does not do is slow down guessing a token: a right guess would go through.
    It needs no help there (a token is 32 random bytes, ``tokens.new_token``); the limit
    is for the script stuck sending a dead token in a loop, and for the noise of probing."""

    scope = "api-failed-auth"

    def __init__(self, rate: str = FAILED_AUTH_RATE):
        super().__init__(rate)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        ident = client_ip(request) or "unknown"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def throttle_success(self) -> bool:
        return True  # a request that may go ahead is not a failure: nothing to count yet

    def record_failure(self) -> None:
        """Count this request (after :meth:`allow_request`) as a refused token."""
        super().throttle_success()

    def check(self, request: HttpRequest) -> None:
        """Raise :class:`FailedAuthThrottled` while this address is over the limit."""
        if not self.allow_request(request):
            raise FailedAuthThrottled(wait=self.wait())  # type: ignore[arg-type]


def retry_after_seconds(wait: float | None) -> int | None:
    """Whole seconds for the Retry-After header (RFC 9110 takes no fractions), never 0:
    "retry after 0 seconds" would send a script straight back into the limit."""
    return None if wait is None else max(1, math.ceil(wait))
