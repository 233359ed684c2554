"""Reads for the API: which live token a bearer value is, and whose."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from rapport.accounts.mfa import lacks_required_mfa
from rapport.api.models import ApiToken
from rapport.api.tokens import PREFIX, hash_token

__all__ = ["expired_token_expiry", "live_token"]

# Writing last_used_at on every call would turn each read into a write; once a minute is
# enough to see which tokens are alive.
_TOUCH_EVERY = timedelta(minutes=1)


def live_token(raw: str) -> ApiToken | None:
    """The token ``raw`` is, with its user, while it may be used: not revoked, not
    expired, its user active; None too while the user's clinic requires MFA and the user
    has not set it up (a token must not be a way around it)."""
    if not raw or not raw.startswith(PREFIX) or len(raw) > 100:
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
    if not raw or not raw.startswith(PREFIX) or len(raw) > 100:
        return None
    return (
        ApiToken.objects.filter(
            token_hash=hash_token(raw), revoked_at__isnull=True, expires_at__lte=timezone.now()
        )
        .values_list("expires_at", flat=True)
        .first()
    )
