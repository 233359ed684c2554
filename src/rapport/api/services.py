"""Writes for API tokens (one transaction each, audited).

Each audit target names the token and its user (``api-token:12:user:7``): the user id stays
in the log after the user, and with them their tokens, are deleted.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.api.models import ApiToken
from rapport.api.selectors import LIVE_PREFIXES_KEY
from rapport.api.tokens import DEFAULT_DAYS, MAX_DAYS, hash_token, new_token, shown_prefix
from rapport.audit.services import Action, audit_record
from rapport.core.hooks import AccountChange

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "api_tokens_revoke_after_account_change",
]


def _target(token: ApiToken) -> str:
    return f"api-token:{token.pk}:user:{token.user_id}"


def _live_tokens_changed() -> None:
    """Drop the cached prefixes of live tokens (``selectors.may_be_live``): a new token
    must not be taken for a dead one while its address is over its limit of refused
    tokens. Dropped now, and again once the transaction commits, in case another worker
    rebuilt the list in between from what it could see before the commit."""
    cache.delete(LIVE_PREFIXES_KEY)
    transaction.on_commit(lambda: cache.delete(LIVE_PREFIXES_KEY))


@transaction.atomic
def api_token_create(
    *, actor, user, name: str = "", days: int = DEFAULT_DAYS, request=None
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` that works for ``days`` days; returns ``(token, raw)``.
    The raw value is never stored."""
    if not user.is_active:
        raise ValidationError({"user": "This account is disabled."})
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            {"days": f"A token can last from 1 to {MAX_DAYS} days; {days} is outside that."}
        )
    raw = new_token()
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        token_hash=hash_token(raw),
        prefix=shown_prefix(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    _live_tokens_changed()
    audit_record(actor=actor, action=Action.CREATE, target=_target(token), request=request)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    _revoke(actor=actor, token=token, why="revoked", request=request)
    return token


@transaction.atomic
def api_tokens_revoke_after_account_change(
    user, *, change: AccountChange, actor, request=None
) -> list[ApiToken]:
    """Revoke every live token of ``user`` after a change to their account (a new
    password, disabled or made active again, a new role: ``core.hooks.AccountChange``).

    A token is a password that never asks for MFA: one made before the change would keep
    the access the change meant to end (a leaked password, a colleague who left, a
    supervisor's reach kept as a therapist). Each revocation is audited, naming the
    change; whoever needs a token again asks for a new one."""
    live = ApiToken.objects.filter(
        user=user, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )
    tokens = list(live.order_by("pk"))
    for token in tokens:
        _revoke(actor=actor, token=token, why=f"revoked:{change}", request=request)
    return tokens


def _revoke(*, actor, token: ApiToken, why: str, request) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _live_tokens_changed()  # not needed for safety (the lookup refuses it), only for cost
    audit_record(
        actor=actor, action=Action.UPDATE, target=f"{_target(token)}:{why}", request=request
    )
