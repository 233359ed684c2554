"""Writing the audit log. Every read and write of client data calls :func:`audit_record`.

Each row stores the clinic whose admin sees it (:mod:`rapport.audit.scope`), decided here,
once: the row is never changed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from rapport.audit.context import current_request_id
from rapport.audit.models import Action, AuditEvent
from rapport.audit.scope import event_clinic_ids
from rapport.core.http import client_ip
from rapport.lib.redact import redact_secret_paths

__all__ = [
    "Action",
    "audit_page_view",
    "audit_record",
    "audit_record_each",
    "audit_record_many",
]


def _actor_fields(actor) -> dict:
    """A signed-in user, or a label for who else acted: "client link", "cli", "system"."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": actor.email}
    if actor == "client-link":
        return {"actor": None, "actor_label": "client link"}
    if isinstance(actor, str) and actor:
        return {"actor": None, "actor_label": actor[:254]}
    return {"actor": None, "actor_label": "system"}


def _target(target: str) -> str:
    """What the row names, cut to the column's length (100 characters), the same way for
    one row and for many: PostgreSQL would refuse a longer value (and the whole request's
    write with it), SQLite would store it whole, and the clinic the row is filed under is
    read from the stored target (rapport.audit.scope)."""
    return target[: AuditEvent._meta.get_field("target").max_length]


def _request_id() -> uuid.UUID:
    """The id of the request, command or run under way (rapport.audit.context). A call
    outside any (a service called from a shell or a test) is a unit of its own."""
    return current_request_id() or uuid.uuid4()


def audit_record(
    *, actor, action: str, target: str, client_id: int | None = None, request=None
) -> AuditEvent:
    fields = _actor_fields(actor)
    target = _target(target)
    [clinic_id] = event_clinic_ids(**fields, target=target, client_ids=[client_id])
    return AuditEvent.objects.create(
        **fields,
        action=action,
        target=target,
        client_id=client_id,
        clinic_id=clinic_id,
        ip_address=client_ip(request) if request is not None else None,
        path=_path(request),
        request_id=_request_id(),
    )


def _path(request) -> str:
    """The request's path, without a check-in token or reset key: the audit log is kept
    for years and read by admins, and the token still opens a link until it is used."""
    return redact_secret_paths(request.path)[:300] if request is not None else ""


def audit_page_view(request, client_id: int) -> AuditEvent:
    """A page that shows a client's details is a read of client data (DESIGN §5), even a
    form: booking an appointment shows whose, editing an episode shows its referral. The
    target names the page (its URL name); the path names the object."""
    match = request.resolver_match
    page = match.url_name if match is not None and match.url_name else "unnamed"
    return audit_record(
        actor=request.user,
        action=Action.VIEW,
        target=f"page:{page}",
        client_id=client_id,
        request=request,
    )


def audit_record_many(
    *, actor, action: str, target: str, client_ids: Iterable[int], request=None
) -> None:
    """One row per client, in one query: e.g. a caseload shows many clients at once."""
    audit_record_each(
        actor=actor,
        action=action,
        rows=[(target, cid) for cid in client_ids],
        request=request,
    )


def audit_record_each(
    *, actor, action: str, rows: Iterable[tuple[str, int | None]], request=None
) -> None:
    """One row per ``(target, client_id)``, written together (one INSERT where the
    database allows): a page that shows many things at once, each with its own target
    (the referrals offered to someone, ``referral:<pk>``), writes the rows
    ``audit_record`` would write one by one, in the same order, with one request id."""
    base = _actor_fields(actor)
    rows = [(_target(target), cid) for target, cid in rows]
    if not rows:
        return
    ip = client_ip(request) if request is not None else None
    path = _path(request)
    request_id = _request_id()  # one for all the rows, even outside a request
    # The clinic each row is filed under, read once per target (audit.scope): for a
    # signed-in actor it is their clinic, with no query at all.
    positions: dict[str, list[int]] = {}
    for index, (target, _cid) in enumerate(rows):
        positions.setdefault(target, []).append(index)
    clinic_ids: list[int | None] = [None] * len(rows)
    for target, indexes in positions.items():
        found = event_clinic_ids(**base, target=target, client_ids=[rows[i][1] for i in indexes])
        for index, clinic_id in zip(indexes, found, strict=True):
            clinic_ids[index] = clinic_id
    AuditEvent.objects.bulk_create(
        AuditEvent(
            **base,
            action=action,
            target=target,
            client_id=cid,
            clinic_id=clinic_id,
            ip_address=ip,
            path=path,
            request_id=request_id,
        )
        for (target, cid), clinic_id in zip(rows, clinic_ids, strict=True)
    )
