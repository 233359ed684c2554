"""Clinic admins' pages for the guidance library: list, add, edit, disable/enable."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rapport.core.decorators import admin_required
from rapport.core.forms import add_service_errors
from rapport.guidance import selectors, services
from rapport.guidance.forms import SafetyDisableForm, StrategyForm
from rapport.guidance.library import (
    CONDITIONS,
    MIN_SHOWN,
    STRATEGY_FIELDS,
    describe_safety_gaps,
    kinds_short_of_own,
    kinds_turned_off,
)
from rapport.monitoring.kinds import KIND_LABELS


@admin_required
def strategy_list(request):
    services.library_load(clinic=request.user.clinic)
    strategies = selectors.strategies_for_clinic(request.user.clinic)
    rows = [
        {
            "strategy": s,
            "kinds": [KIND_LABELS.get(k, k) for k in s.kinds],
            "conditions": [CONDITIONS.get(c, c) for c in s.conditions],
            "unless": [CONDITIONS.get(c, c) for c in s.unless],
            "safety": s.safety,
        }
        for s in strategies
    ]
    notices = selectors.safety_steps_not_in_full(strategies)
    return render(
        request,
        "guidance/list.html",
        {"rows": rows, "safety_notices": notices, **_kinds_short(strategies)},
    )


def _kinds_short(strategies) -> dict[str, object]:
    """The alert kinds left with fewer than two strategies of their own that fit every
    client, and those left with none at all, in words for the library page. It says so for
    as long as it holds, not once after a save: each of those alerts shows fewer
    suggestions, or none, until the library covers it again (``library.choose`` borrows
    nothing from other kinds). A kind with none is named only as such."""
    off = kinds_turned_off(strategies)
    short = [k for k in kinds_short_of_own(strategies) if k not in off]
    return {
        "kinds_off": ", ".join(KIND_LABELS.get(k, k) for k in off),
        "kinds_short": ", ".join(KIND_LABELS.get(k, k) for k in short),
        "min_shown": MIN_SHOWN,
    }


def _form_page(request, form, title, strategy=None):
    return render(
        request,
        "guidance/form.html",
        {"form": form, "title": title, "strategy": strategy},
        status=400 if form.errors else 200,
    )


@admin_required
@require_http_methods(["GET", "POST"])
def strategy_create(request):
    form = StrategyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_create(
                actor=request.user, clinic=request.user.clinic, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Strategy added."))
            return redirect("manage_guidance")
    return _form_page(request, form, _("Add a strategy"))


@admin_required
@require_http_methods(["GET", "POST"])
def strategy_edit(request, strategy_id):
    strategy = selectors.get_strategy_for_admin(request.user, strategy_id)
    initial = {name: getattr(strategy, name) for name in STRATEGY_FIELDS}
    data = request.POST if request.method == "POST" else None
    form = StrategyForm(data, initial=initial, strategy=strategy)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        confirmed = bool(fields.pop(services.CONFIRMATION_FIELD, False))
        try:
            # The service decides whether the change narrows a safety step and so needs
            # the confirmation; the page only carries the admin's tick.
            services.strategy_update(
                actor=request.user,
                strategy=strategy,
                request=request,
                confirmed=confirmed,
                **fields,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Strategy saved."))
            return redirect("manage_guidance")
    return _form_page(request, form, _("Edit strategy"), strategy)


def _refusal_to_disable(strategy) -> str:
    """Why the page does not offer to disable ``strategy`` (empty when it does): it is the
    last safety step of some alerts."""
    gaps = selectors.safety_gaps_if_disabled(strategy)
    return describe_safety_gaps(gaps) if gaps else ""


@admin_required
@require_http_methods(["GET", "POST"])
def strategy_toggle(request, strategy_id):
    """Enable or disable a strategy; a safety step (``Strategy.safety``) is disabled only
    once the admin ticks that they understand, which the service checks and audits, and
    never while it is the last safety step of some alerts: the page says so up front rather
    than after the tick."""
    strategy = selectors.get_strategy_for_admin(request.user, strategy_id)
    refusal = _refusal_to_disable(strategy)
    needs_confirmation = strategy.enabled and strategy.safety
    data = request.POST if request.method == "POST" else None
    form = SafetyDisableForm(data) if needs_confirmation and not refusal else None
    if request.method == "POST" and not refusal and (form is None or form.is_valid()):
        try:
            services.strategy_set_enabled(
                actor=request.user,
                strategy=strategy,
                enabled=not strategy.enabled,
                request=request,
                confirmed=form is not None,
            )
        except ValidationError as error:
            refusal = _refusal_to_disable(strategy)
            form = None if refusal else _form_with_service_errors(request.POST, error)
        else:
            messages.success(
                request, _("Strategy enabled.") if strategy.enabled else _("Strategy disabled.")
            )
            return redirect("manage_guidance")
    refused = request.method == "POST" and bool(refusal or (form is not None and form.errors))
    return render(
        request,
        "guidance/toggle.html",
        {"strategy": strategy, "form": form, "refusal": refusal},
        status=400 if refused else 200,
    )


def _form_with_service_errors(data, error: ValidationError) -> SafetyDisableForm:
    """The confirmation form showing why the service refused. When it became a safety step
    after the page loaded, the unticked box says so itself; a refusal that is not about
    the box is shown whatever the box."""
    form = SafetyDisableForm(data)
    if form.is_valid() or NON_FIELD_ERRORS in getattr(error, "error_dict", {}):
        add_service_errors(form, error)
    return form
