"""Reads of the guidance library. Strategies belong to a clinic; admins manage them and
clinicians see the ones that fit each alert."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.http import Http404

from rapport.guidance.library import (
    MAX_SHOWN,
    SafetyGaps,
    choose,
    load_library,
    narrowed_from,
    safety_gaps_of_change,
)
from rapport.guidance.models import Origin, Strategy

__all__ = [
    "SafetyStepNotice",
    "get_strategy_for_admin",
    "safety_gaps_if_disabled",
    "safety_steps_not_in_full",
    "strategies_for_clinic",
    "suggestions",
]


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


def safety_gaps_if_disabled(strategy: Strategy) -> SafetyGaps:
    """The alert kinds that disabling ``strategy`` would leave without their safety step,
    for the page to say so before the admin confirms anything. The service decides again,
    on locked rows (``guidance.services``)."""
    if not (strategy.safety and strategy.enabled):
        return SafetyGaps()
    others = Strategy.objects.filter(clinic_id=strategy.clinic_id, safety=True).exclude(
        pk=strategy.pk
    )
    return safety_gaps_of_change(others, strategy, enabled=False)


@dataclass(frozen=True)
class SafetyStepNotice:
    """A safety step that therapists are not shown wherever it fits: ``how`` says what."""

    strategy: Strategy
    how: tuple[str, ...]


def safety_steps_not_in_full(strategies: Iterable[Strategy]) -> list[SafetyStepNotice]:
    """The clinic's safety steps that are disabled, or (for copies of the library's) shown
    with fewer alerts or clients than the library ships them: the library page keeps
    naming them, since each is a place where therapists are no longer prompted to ask
    about risk. A clinic's own safety step has no shipped version to compare with, so only
    its being disabled is named."""
    shipped = {spec.slug: spec for spec in load_library() if spec.safety}
    notices = []
    for strategy in strategies:
        if not strategy.safety:
            continue
        if not strategy.enabled:
            notices.append(SafetyStepNotice(strategy, ("disabled",)))
            continue
        spec = shipped.get(strategy.slug) if strategy.origin == Origin.LIBRARY else None
        how = narrowed_from(spec, strategy) if spec is not None else ()
        if how:
            notices.append(SafetyStepNotice(strategy, how))
    return notices
