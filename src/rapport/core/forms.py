"""Glue between forms, services and pages: forms validate, services write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from rapport.audit.services import audit_page_view

__all__ = ["ConfirmTick", "add_service_errors", "service_form_page"]


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's validation errors next to the matching fields (or at the top)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages_:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def service_form_page(
    request,
    form,
    save: Callable[[dict], Any],
    *,
    success: str,
    next_url: str | Callable[[Any], str],
    template: str = "clinic/form.html",
    **context,
) -> HttpResponse:
    """The one flow of every form page.

    On a valid POST, ``save(cleaned_data)`` calls the service; a service ValidationError is
    shown next to its field and nothing is saved. Success flashes ``success`` and redirects to
    ``next_url`` (or ``next_url(result)``). Anything invalid re-renders with status 400.
    A page about a ``client`` (in ``context``) is audited as a read of their data.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(next_url(result) if callable(next_url) else next_url)
    status = 400 if form.errors else 200
    if context.get("client") is not None:
        audit_page_view(request, context["client"].pk)
    return render(request, template, {"form": form, **context}, status=status)


class ConfirmTick:
    """A box to tick under a warning, holding only for what the warning named (``about``):
    sent back with something else named (another colleague, other links), the tick counts
    as not given and the form asks again. A form may ask for several ticks, each with its
    own hidden field (``carried_by``) saying what it was given for."""

    def _ask_to_confirm(
        self,
        tick: str,
        field: forms.BooleanField,
        *,
        about: str,
        carried_by: str = "confirmed_for",
    ) -> None:
        form = cast(forms.Form, self)
        form.fields[tick] = field
        form.fields[carried_by] = forms.CharField(
            widget=forms.HiddenInput, required=False, initial=about
        )
        confirmed_here = form.data.get(form.add_prefix(carried_by)) == about
        self._confirmed_here = {**getattr(self, "_confirmed_here", {}), tick: confirmed_here}
        if form.is_bound:
            # Sent back, the form warns about ``about``: so it must carry it.
            data = dict(form.data.items())
            data[form.add_prefix(carried_by)] = about
            form.data = data

    def clean(self):
        data = super().clean()  # type: ignore[misc]
        for tick, confirmed_here in getattr(self, "_confirmed_here", {}).items():
            if data.get(tick) and not confirmed_here:
                data[tick] = False
        return data
