"""Which request, command or run an audit row belongs to (``AuditEvent.request_id``).

One id is set per unit of work, once: per HTTP request by
:class:`rapport.audit.middleware.AuditRequestMiddleware`, per ``rapport`` command by
:func:`rapport.cli.main` (a cron job's ``rapport recompute-alerts`` is one run). Every
audit row written inside it carries the id, so an investigation can tell which rows one
page view wrote (a caseload writes one per client) and the admin's page can show them as
one line. Plain Python, no Django: the command line sets it before Django starts.

A context variable, not a thread-local: each thread (runserver's, gunicorn's) and each
task starts without one, and :func:`audit_scope` restores the previous value on the way
out, so nested scopes (a command that serves requests) never leak into each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["audit_scope", "current_request_id"]

_request_id: ContextVar[uuid.UUID | None] = ContextVar("rapport_audit_request_id", default=None)


def current_request_id() -> uuid.UUID | None:
    """The id of the request, command or run under way; None outside any."""
    return _request_id.get()


@contextmanager
def audit_scope(request_id: uuid.UUID | None = None) -> Iterator[uuid.UUID]:
    """Audit rows written inside share one new id (or ``request_id``)."""
    current = request_id or uuid.uuid4()
    token = _request_id.set(current)
    try:
        yield current
    finally:
        _request_id.reset(token)
