"""Writes to a clinic's guidance library: loading the shipped strategies, admin edits.

Strategies are professional guidance, not client data, but every change is still audited
so a clinic can see who changed what its therapists are advised to do.

A safety step (``Strategy.safety``, e.g. asking about self-harm when scores are reliably
worse) stops being shown, wholly or for some alerts or clients, only with ``confirmed=True``:
disabling it, narrowing it (:func:`rapport.guidance.library.narrowing`) or removing the
marking from a clinic's own strategy. Otherwise the service refuses with a
``ValidationError`` on ``understood`` (the confirmation box's name) and changes nothing, so
no caller can skip the confirmation the pages ask for.

Nor is the last enabled safety step of an alert kind disabled or narrowed, confirmed or
not (:func:`rapport.guidance.library.safety_gaps`): the admin first enables or adds
another safety step for those alerts. The check reads the clinic's safety steps locked, in
primary-key order, so two admins each disabling one of two safety steps at once cannot
both pass it and leave none: the second waits, then sees the first's change.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils.text import slugify

from rapport.audit.services import Action, audit_record
from rapport.guidance.library import (
    CONDITIONS,
    STRATEGY_FIELDS,
    StrategySpec,
    describe_safety_gaps,
    load_library,
    narrowing,
    safety_gaps_of_change,
)
from rapport.guidance.models import Origin, Strategy
from rapport.monitoring.signals.model import KINDS

__all__ = [
    "library_load",
    "strategy_create",
    "strategy_set_enabled",
    "strategy_update",
]

_EDITABLE = STRATEGY_FIELDS

#: The form field that carries the admin's confirmation; service errors name it so the
#: page shows the message next to the box.
CONFIRMATION_FIELD = "understood"


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
        safety=spec.safety,
        origin=Origin.LIBRARY,
    )


def library_load(*, clinic, specs: tuple[StrategySpec, ...] | None = None) -> int:
    """Copy shipped strategies the clinic does not have yet; returns how many were added.

    Strategies the clinic edited are left alone, so a new release adds its new strategies
    without undoing the clinic's edits; copies nobody edited follow the release
    (:func:`_follow_the_library`), so a corrected text reaches every clinic.
    """
    specs = load_library() if specs is None else specs
    rows = list(Strategy.objects.filter(clinic=clinic))
    _mark_library_safety(clinic, specs, rows)
    _follow_the_library(specs, rows)
    have = {row.slug for row in rows}
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


# What a release may change in a copy nobody edited. Whether it is enabled is the clinic's
# choice (and not an edit), so it is never touched; the safety marking has its own rule.
_SHIPPED = tuple(name for name in STRATEGY_FIELDS if name != "safety")


def _follow_the_library(specs, rows: list[Strategy]) -> None:
    """Bring unedited library copies up to the shipped text and rules.

    Each clinic holds its own copy of the library, so without this a wording corrected in a
    release (e.g. "the lowest part" when two parts tie) would stay wrong in every clinic
    that already had the strategy. An admin's edit marks the copy ``edited`` and stops it
    following."""
    shipped = {spec.slug: _row(None, spec) for spec in specs}
    followed = 0
    for row in rows:
        spec = shipped.get(row.slug)
        if row.origin != Origin.LIBRARY or row.edited or spec is None:
            continue
        if any(getattr(row, name) != getattr(spec, name) for name in _SHIPPED):
            # Only while still unedited: an admin's edit saved since the rows were read
            # (this runs on page loads, unlocked) must not be overwritten.
            followed += Strategy.objects.filter(pk=row.pk, edited=False).update(
                **{name: getattr(spec, name) for name in _SHIPPED}
            )
    if followed:
        audit_record(actor=None, action=Action.UPDATE, target=f"guidance-library:follow:{followed}")


def _mark_library_safety(clinic, specs, rows) -> None:
    """Mark the clinic's copies of strategies the library marks as safety steps.

    A release that marks a strategy the clinic already has (edited or not) protects the
    clinic's copy too. The library's marking is never removed from a copy (see
    :func:`_check_safety_marking`), so this overwrites no choice of the clinic's.
    """
    safety = {spec.slug for spec in specs if spec.safety}
    unmarked = [
        row.slug
        for row in rows
        if row.origin == Origin.LIBRARY and row.slug in safety and not row.safety
    ]
    if unmarked:
        Strategy.objects.filter(clinic=clinic, origin=Origin.LIBRARY, slug__in=unmarked).update(
            safety=True
        )
        audit_record(
            actor=None, action=Action.UPDATE, target=f"guidance-library:safety:{len(unmarked)}"
        )


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


def _stored(strategy: Strategy) -> tuple[Strategy, list[Strategy]]:
    """The strategy as stored, and its clinic's safety steps, all locked for this
    transaction: rules are checked against what is in the table, not against an instance
    a caller may have changed in memory.

    The safety steps are locked first and in primary-key order, whichever strategy is
    changed, so that two changes wait for each other instead of deadlocking, and the
    second decides on what the first saved (:func:`_check_safety_gaps`)."""
    clinic = Strategy.objects.filter(pk=strategy.pk).values("clinic_id")
    safety_steps = list(
        Strategy.objects.select_for_update()
        .filter(clinic_id=Subquery(clinic), safety=True)
        .order_by("pk")
    )
    stored = Strategy.objects.select_for_update().get(pk=strategy.pk)
    return stored, safety_steps


def _check_safety_gaps(stored: Strategy, safety_steps: list[Strategy], **change) -> None:
    """Refuse a change to ``stored`` that leaves an alert kind without the safety step it
    had (see :func:`rapport.guidance.library.safety_gaps`); confirming does not help."""
    others = [s for s in safety_steps if s.pk != stored.pk]
    gaps = safety_gaps_of_change(others, stored, **change)
    if gaps:
        message = f"{describe_safety_gaps(gaps)} Nothing was saved."
        raise ValidationError({NON_FIELD_ERRORS: message})


def _check_safety_marking(stored: Strategy, fields: dict) -> tuple[str, ...]:
    """Refuse removing the library's safety marking; removing a clinic's own is a change
    that needs confirmation (returned as a reason)."""
    if not stored.safety or fields.get("safety", True):
        return ()
    if stored.origin == Origin.LIBRARY:
        raise ValidationError(
            {
                "safety": "The Rapport library marks this strategy as a safety step, and the "
                "marking stays. To stop it being shown, disable it (you will be asked to "
                "confirm)."
            }
        )
    return ("it would no longer be marked as a safety step",)


def _unconfirmed(reasons: tuple[str, ...]) -> ValidationError:
    return ValidationError(
        {
            CONFIRMATION_FIELD: "This strategy prompts therapists to ask about safety, and "
            f"this change means {'; '.join(reasons)}. Nothing was saved. Tick the box to "
            "confirm the change."
        },
        code="safety_unconfirmed",
    )


@transaction.atomic
def strategy_update(
    *, actor, strategy: Strategy, request=None, confirmed: bool = False, **fields
) -> Strategy:
    """Save an admin's edit. Narrowing a safety step (fewer alerts or clients), or removing
    a clinic's own safety marking, needs ``confirmed=True`` and is audited as such."""
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    fields = _clean(dict(fields))
    stored, safety_steps = _stored(strategy)
    reasons: tuple[str, ...] = ()
    if stored.safety:
        reasons = narrowing(stored, fields) + _check_safety_marking(stored, fields)
    if reasons:
        shown = {k: v for k, v in fields.items() if k in ("kinds", "conditions", "unless")}
        _check_safety_gaps(stored, safety_steps, safety=fields.get("safety", True), **shown)
    if reasons and not confirmed:
        raise _unconfirmed(reasons)
    for name, value in fields.items():
        setattr(stored, name, value)
    stored.edited = True
    stored.save()
    target = f"strategy:{stored.pk}" + (":safety-narrowed" if reasons else "")
    audit_record(actor=actor, action=Action.UPDATE, target=target, request=request)
    strategy.refresh_from_db()
    return strategy


@transaction.atomic
def strategy_set_enabled(
    *, actor, strategy: Strategy, enabled: bool, request=None, confirmed: bool = False
) -> Strategy:
    """Enable or disable a strategy. Disabling a safety step needs ``confirmed=True``: by a
    slip it would silently stop the prompt to ask about risk. The last safety step of an
    alert kind is not disabled at all (:func:`_check_safety_gaps`)."""
    stored, safety_steps = _stored(strategy)
    if stored.enabled != enabled:
        if stored.safety and not enabled:
            _check_safety_gaps(stored, safety_steps, enabled=False)
        if stored.safety and not enabled and not confirmed:
            raise ValidationError(
                {
                    CONFIRMATION_FIELD: "This strategy prompts therapists to ask about safety. "
                    "Tick the box to confirm you want to disable it."
                },
                code="safety_unconfirmed",
            )
        stored.enabled = enabled
        stored.save(update_fields=["enabled", "updated_at"])
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=f"strategy:{stored.pk}:{'enabled' if enabled else 'disabled'}",
            request=request,
        )
    strategy.refresh_from_db()
    return strategy
