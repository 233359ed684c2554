"""Writes to a clinic's guidance library: loading the shipped strategies, admin edits.

Strategies are professional guidance, not client data, but every change is still audited
so a clinic can see who changed what its therapists are advised to do.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from rapport.audit.services import Action, audit_record
from rapport.guidance.library import CONDITIONS, StrategySpec, load_library
from rapport.guidance.models import Origin, Strategy
from rapport.monitoring.signals.model import KINDS

__all__ = [
    "library_load",
    "strategy_create",
    "strategy_set_enabled",
    "strategy_update",
]

_EDITABLE = ("title", "text", "sources", "kinds", "conditions", "unless", "priority", "show_goals")


def _row(clinic, spec: StrategySpec) -> Strategy:
    return Strategy(
        clinic=clinic,
        slug=spec.slug,
        title=spec.title,
        text=spec.text,
        sources="\n".join(spec.sources),
        kinds=list(spec.kinds),
        conditions=list(spec.conditions),
        unless=list(spec.unless),
        priority=spec.priority,
        show_goals=spec.show_goals,
        origin=Origin.LIBRARY,
    )


def library_load(*, clinic, specs: tuple[StrategySpec, ...] | None = None) -> int:
    """Copy shipped strategies the clinic does not have yet; returns how many were added.

    Strategies the clinic already has (edited, disabled or not) are left alone, so a new
    release adds its new strategies without undoing the clinic's edits.
    """
    specs = load_library() if specs is None else specs
    have = set(Strategy.objects.filter(clinic=clinic).values_list("slug", flat=True))
    missing = [_row(clinic, spec) for spec in specs if spec.slug not in have]
    if not missing:
        return 0
    try:
        with transaction.atomic():
            Strategy.objects.bulk_create(missing)
    except IntegrityError:
        return 0  # another request loaded them at the same moment
    audit_record(actor=None, action=Action.CREATE, target=f"guidance-library:{len(missing)}")
    return len(missing)


def _clean(fields: dict) -> dict:
    """Validate what forms cannot (the mapping) so that bad data never reaches the table."""
    errors: dict[str, str] = {}
    if "title" in fields and not str(fields["title"]).strip():
        errors["title"] = "Give the strategy a title."
    if "text" in fields and not str(fields["text"]).strip():
        errors["text"] = "Say what the therapist should do."
    if "sources" in fields:
        lines = [line.strip() for line in str(fields["sources"]).splitlines() if line.strip()]
        if not lines:
            errors["sources"] = "Cite at least one source, one per line."
        fields["sources"] = "\n".join(lines)
    if "kinds" in fields:
        kinds = list(dict.fromkeys(fields["kinds"]))
        if not kinds:
            errors["kinds"] = "Choose at least one signal this strategy answers."
        elif any(k not in KINDS for k in kinds):
            errors["kinds"] = "Unknown signal kind."
        fields["kinds"] = kinds
    for key in ("conditions", "unless"):
        if key in fields:
            values = list(dict.fromkeys(fields[key]))
            if any(c not in CONDITIONS for c in values):
                errors[key] = "Unknown condition."
            fields[key] = values
    if set(fields.get("conditions", ())) & set(fields.get("unless", ())):
        errors["unless"] = "A condition cannot be both required and excluded."
    if "priority" in fields and not 0 <= int(fields["priority"]) <= 100:
        errors["priority"] = "Priority runs from 0 to 100."
    if errors:
        raise ValidationError(errors)
    for key in ("title", "text"):
        if key in fields:
            fields[key] = str(fields[key]).strip()
    return fields


@transaction.atomic
def strategy_create(*, actor, clinic, request=None, **fields) -> Strategy:
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)}")
    fields = _clean(dict(fields))
    base = slugify(fields.get("title", ""))[:60] or "strategy"
    slug, n = base, 2
    while Strategy.objects.filter(clinic=clinic, slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    strategy = Strategy.objects.create(clinic=clinic, slug=slug, origin=Origin.CLINIC, **fields)
    audit_record(
        actor=actor, action=Action.CREATE, target=f"strategy:{strategy.pk}", request=request
    )
    return strategy


@transaction.atomic
def strategy_update(*, actor, strategy: Strategy, request=None, **fields) -> Strategy:
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    fields = _clean(dict(fields))
    for name, value in fields.items():
        setattr(strategy, name, value)
    strategy.edited = True
    strategy.save()
    audit_record(
        actor=actor, action=Action.UPDATE, target=f"strategy:{strategy.pk}", request=request
    )
    return strategy


@transaction.atomic
def strategy_set_enabled(*, actor, strategy: Strategy, enabled: bool, request=None) -> Strategy:
    if strategy.enabled != enabled:
        strategy.enabled = enabled
        strategy.save(update_fields=["enabled", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"strategy:{strategy.pk}:{'enabled' if enabled else 'disabled'}",
            request=request,
        )
    return strategy
