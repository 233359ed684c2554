"""Writes for API tokens (one transaction each, audited)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.api.models import ApiToken
from rapport.api.tokens import hash_token, new_token
from rapport.audit.services import Action, audit_record

__all__ = ["api_token_create", "api_token_revoke"]


@transaction.atomic
def api_token_create(*, actor, user, name: str = "", request=None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns ``(token, raw)``. The raw value is never stored."""
    if not user.is_active:
        raise ValidationError({"user": "This account is disabled."})
    raw = new_token()
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], token_hash=hash_token(raw), prefix=raw[:12]
    )
    audit_record(actor=actor, action=Action.CREATE, target=f"api-token:{token.pk}", request=request)
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken, request=None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"api-token:{token.pk}:revoked",
            request=request,
        )
    return token
