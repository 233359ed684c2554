"""Glue between services' ValidationErrors and forms."""

from __future__ import annotations

from django.core.exceptions import ValidationError

__all__ = ["add_service_errors"]


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's validation errors next to the matching fields (or at the top)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            target = field if field in form.fields else None
            for message in messages:
                form.add_error(target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
