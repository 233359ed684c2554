"""Reading the audit log (clinic admins only)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from rapport.audit.models import AuditEvent

__all__ = ["audit_events_for"]


def audit_events_for(
    user, *, actor_email: str = "", client_id: int | None = None, action: str = ""
):
    if not (user.is_authenticated and user.is_clinic_admin):
        raise PermissionDenied
    events = AuditEvent.objects.filter(
        actor_label__in=_labels_in_clinic(user)
    ) | AuditEvent.objects.filter(client_id__in=_client_ids_in_clinic(user))
    if actor_email:
        events = events.filter(actor_label__icontains=actor_email.strip().lower())
    if client_id is not None:
        events = events.filter(client_id=client_id)
    if action:
        events = events.filter(action=action)
    return events.order_by("-at", "-pk")


def _labels_in_clinic(user):
    from rapport.accounts.models import User

    return User.objects.filter(clinic=user.clinic).values_list("email", flat=True)


def _client_ids_in_clinic(user):
    from rapport.clinic.models import Client

    return Client.objects.filter(clinic=user.clinic).values_list("pk", flat=True)
