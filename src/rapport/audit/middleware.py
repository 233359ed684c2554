"""One audit request id per HTTP request (see :mod:`rapport.audit.context`)."""

from __future__ import annotations

from rapport.audit.context import audit_scope

__all__ = ["AuditRequestMiddleware"]


class AuditRequestMiddleware:
    """Every audit row a request writes, whichever middleware, view or service writes it,
    carries the same ``request_id``. First in settings.MIDDLEWARE, so the middleware that
    follow (sign-in, MFA) are inside it too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_scope():
            return self.get_response(request)
