"""Reads for the API: which live token a bearer value is, and whose; a page of a client's
responses."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from rapport.accounts.mfa import lacks_required_mfa
from rapport.api.models import ApiToken
from rapport.api.pagination import Position
from rapport.api.tokens import PREFIX, hash_token, shown_prefix
from rapport.measures.models import Response

__all__ = [
    "LIVE_PREFIXES_KEY",
    "RESPONSE_FIELDS",
    "expired_token_expiry",
    "live_token",
    "may_be_live",
    "responses_page",
]

# Writing last_used_at on every call would turn each read into a write; once a minute is
# enough to see which tokens are alive.
_TOUCH_EVERY = timedelta(minutes=1)

#: Where the shown prefixes of the tokens that may be live are cached (``may_be_live``);
#: ``services`` drops the entry whenever a token is made or revoked.
LIVE_PREFIXES_KEY = "api-live-token-prefixes"
#: How long that list is kept: it picks up expiries (and revocations it was not told of)
#: within a minute, and is built at most about once a minute, only while some address is
#: over its limit of refused tokens.
LIVE_PREFIXES_SECONDS = 60


def _well_formed(raw: str) -> bool:
    return bool(raw) and raw.startswith(PREFIX) and len(raw) <= 100


def live_token(raw: str) -> ApiToken | None:
    """The token ``raw`` is, with its user, while it may be used: not revoked, not
    expired, its user active; None too while the user's clinic requires MFA and the user
    has not set it up (a token must not be a way around it)."""
    if not _well_formed(raw):
        return None
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user", "user__clinic")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active or lacks_required_mfa(token.user):
        return None
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def expired_token_expiry(raw: str) -> datetime | None:
    """When the token ``raw`` expired, if it is a real token that has expired and was not
    revoked; else None.

    Only the holder of the whole token learns this (it is looked up by its hash), so it
    tells a researcher's script why it is refused without telling a guesser anything.
    """
    if not _well_formed(raw):
        return None
    return (
        ApiToken.objects.filter(
            token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__lte=timezone.now()
        )
        .values_list("expires_at", flat=True)
        .first()
    )


def may_be_live(raw: str) -> bool:
    """Whether ``raw`` could be a live token, answered without looking it up or hashing
    it: its shown prefix is one of a live token's (the list of them is cached, built by
    one query of the token table when missing). False means it certainly is not one,
    unless it was made in the instant a worker was rebuilding the list (then for at most
    LIVE_PREFIXES_SECONDS); True only that it is worth looking up: a stale or made-up
    token that carries a live token's prefix (48 bits, shown by ``rapport token list``)
    still needs ``live_token`` to be refused.

    This lets ``api.TokenAuth`` refuse a flood of dead tokens from an address over its
    limit without a query of the token table each, while a live token still goes ahead.
    """
    if not _well_formed(raw):
        return False
    prefixes = cache.get(LIVE_PREFIXES_KEY)
    if prefixes is None:
        prefixes = frozenset(
            ApiToken.objects.filter(
                revoked_at__isnull=True, expires_at__gt=timezone.now()
            ).values_list("prefix", flat=True)
        )
        cache.set(LIVE_PREFIXES_KEY, prefixes, LIVE_PREFIXES_SECONDS)
    return shown_prefix(raw) in prefixes


#: The columns the API shows of a response. Free-text answers and the follow-up note are
#: not part of the API, and are not even read: each is decrypted when loaded.
RESPONSE_FIELDS = (
    "id",
    "client_id",
    "instrument_id",
    "instrument_version",
    "administered_at",
    "received_at",
    "source",
    "total",
    "subscales",
    "band",
    "completeness",
    "prorated",
    "risk_flags",
)


def responses_page(
    client, *, after: Position | None, received_since: datetime | None, limit: int
) -> tuple[list[Response], bool]:
    """An already-scoped client's responses after ``after`` in (administered_at, id), oldest
    first, at most ``limit`` of them; and whether more follow.

    ``received_since`` keeps only those recorded at or after that moment (``received_at``,
    not when they were answered: an import or a paper form entered today may have been
    answered months ago, and a script syncing since its last run must still get it)."""
    rows = Response.objects.filter(client=client).only(*RESPONSE_FIELDS)
    if received_since is not None:
        rows = rows.filter(received_at__gte=received_since)
    if after is not None:
        at = after.administered_at
        rows = rows.filter(Q(administered_at__gt=at) | Q(administered_at=at, pk__gt=after.id))
    page = list(rows.order_by("administered_at", "pk")[: limit + 1])
    return page[:limit], len(page) > limit
