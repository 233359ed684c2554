"""Reads of the guidance library. Strategies belong to a clinic; admins manage them and
clinicians see the ones that fit each alert."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404

from rapport.guidance.library import MAX_SHOWN, choose
from rapport.guidance.models import Strategy

__all__ = ["get_strategy_for_admin", "strategies_for_clinic", "suggestions"]


def strategies_for_clinic(clinic, *, enabled_only: bool = False) -> list[Strategy]:
    rows = Strategy.objects.filter(clinic=clinic)
    if enabled_only:
        rows = rows.filter(enabled=True)
    return list(rows)


def get_strategy_for_admin(user, strategy_id) -> Strategy:
    """A strategy of the admin's own clinic, else 404."""
    if not getattr(user, "is_clinic_admin", False):
        raise Http404("No such strategy")
    try:
        return Strategy.objects.get(pk=int(strategy_id), clinic_id=user.clinic_id)
    except (Strategy.DoesNotExist, ValueError, TypeError):
        raise Http404("No such strategy") from None


def suggestions(
    strategies: Iterable[Strategy], *, kind: str, context: Iterable[str], limit: int = MAX_SHOWN
) -> list[Strategy]:
    """The two to four strategies that fit an alert of ``kind`` in this client's context."""
    return choose(list(strategies), kind=kind, context=context, limit=limit)
