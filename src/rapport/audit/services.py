"""Writing the audit log. Every read and write of client data calls :func:`audit_record`."""

from __future__ import annotations

from collections.abc import Iterable

from rapport.audit.models import Action, AuditEvent
from rapport.core.http import client_ip

__all__ = ["Action", "audit_record", "audit_record_many"]


def _actor_fields(actor) -> dict:
    """A signed-in user, or a label for who else acted: "client link", "cli", "system"."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": actor.email}
    if actor == "client-link":
        return {"actor": None, "actor_label": "client link"}
    if isinstance(actor, str) and actor:
        return {"actor": None, "actor_label": actor[:254]}
    return {"actor": None, "actor_label": "system"}


def audit_record(
    *, actor, action: str, target: str, client_id: int | None = None, request=None
) -> AuditEvent:
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        action=action,
        target=target[:100],
        client_id=client_id,
        ip_address=client_ip(request) if request is not None else None,
        path=(request.path[:300] if request is not None else ""),
    )


def audit_record_many(
    *, actor, action: str, target: str, client_ids: Iterable[int], request=None
) -> None:
    """One row per client, in one query: e.g. a caseload shows many clients at once."""
    base = _actor_fields(actor)
    ip = client_ip(request) if request is not None else None
    path = request.path[:300] if request is not None else ""
    AuditEvent.objects.bulk_create(
        AuditEvent(**base, action=action, target=target, client_id=cid, ip_address=ip, path=path)
        for cid in client_ids
    )
