"""Glue between forms, services and pages: forms validate, services write."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from rapport.audit.services import audit_page_view

__all__ = ["add_service_errors", "service_form_page"]


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
