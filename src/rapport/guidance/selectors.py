"""Reads of the guidance library. Strategies belong to a clinic; admins manage them and
clinicians see the ones that fit each alert."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from types import SimpleNamespace

from django.http import Http404

from rapport.guidance.library import (
    MAX_SHOWN,
    SafetyGaps,
    choose,
    load_library,
    narrowed_from,
    safety_cover,
    safety_gaps,
    safety_gaps_of_change,
)
from rapport.guidance.models import Origin, Strategy
from rapport.monitoring.kinds import KIND_LABELS

__all__ = [
    "SafetyCover",
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
    """The strategies that fit an alert of ``kind`` in this client's context: two to four,
    fewer only when the clinic left the kind short (``library.choose``)."""
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
class SafetyCover:
    """Alert kinds that a safety step no longer reaches in full, and the clinic's other
    safety steps that are shown with them for every client instead."""

    kinds: tuple[str, ...]
    by: tuple[str, ...]  # the other steps' titles

    @property
    def kinds_text(self) -> str:
        return _and(KIND_LABELS.get(k, k) for k in self.kinds)

    @property
    def by_text(self) -> str:
        return _and(f"\u2018{title}\u2019" for title in self.by)


def _and(items: Iterable[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class SafetyStepNotice:
    """A safety step that therapists are not shown wherever it fits: ``how`` says what.

    ``covered``: the alerts it no longer reaches that other safety steps reach for every
    client, and which ones. ``gap``: True while some of those alerts (or clients) are
    reached by no other safety step, so that nobody is prompted to ask about risk there.
    """

    strategy: Strategy
    how: tuple[str, ...]
    covered: tuple[SafetyCover, ...] = ()
    gap: bool = True


def safety_steps_not_in_full(strategies: Iterable[Strategy]) -> list[SafetyStepNotice]:
    """The clinic's safety steps that are disabled, or (for copies of the library's) shown
    with fewer alerts or clients than the library ships them: the library page keeps
    naming them, since each is a place where therapists are no longer prompted to ask
    about risk. A clinic's own safety step has no shipped version to compare with, so only
    its being disabled is named."""
    strategies = list(strategies)
    shipped = {spec.slug: spec for spec in load_library() if spec.safety}
    notices = []
    for strategy in strategies:
        if not strategy.safety:
            continue
        spec = shipped.get(strategy.slug) if strategy.origin == Origin.LIBRARY else None
        if not strategy.enabled:
            how: tuple[str, ...] = ("disabled",)
        else:
            how = narrowed_from(spec, strategy) if spec is not None else ()
        if how:
            others = [s for s in strategies if s.pk != strategy.pk]
            full = spec if spec is not None else _enabled(strategy)
            notices.append(_with_cover(SafetyStepNotice(strategy, how), full, others))
    return notices


def _enabled(strategy: Strategy) -> SimpleNamespace:
    """A clinic's own safety step as it was before it was disabled: enabled as it is."""
    names = ("kinds", "conditions", "unless", "safety")
    return SimpleNamespace(enabled=True, **{name: getattr(strategy, name) for name in names})


def _with_cover(notice: SafetyStepNotice, full, others: list[Strategy]) -> SafetyStepNotice:
    """``notice`` with the alerts that other safety steps now cover for it, and whether
    any are left without one. The same cover rule as the guard that refuses disabling the
    last safety step of an alert kind (``library.safety_gaps``): a step that was shown for
    every client is covered only by another one shown for every client."""
    lost = safety_gaps([full], [notice.strategy])
    had = safety_cover([full])
    covering: dict[tuple[str, ...], list[str]] = {}
    gap = False
    for kind in (*lost.uncovered, *lost.partly):
        by = tuple(o.title for o in others if _covers(o, kind, every_client=had[kind]))
        if by:
            covering.setdefault(by, []).append(kind)
        else:
            gap = True
    covered = tuple(SafetyCover(tuple(kinds), by) for by, kinds in covering.items())
    return replace(notice, covered=covered, gap=gap)


def _covers(strategy: Strategy, kind: str, *, every_client: bool) -> bool:
    cover = safety_cover([strategy])
    return kind in cover and (cover[kind] or not every_client)
