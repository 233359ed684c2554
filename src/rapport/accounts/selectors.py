"""Reads about staff accounts, scoped to the user who asks."""

from __future__ import annotations

from rapport.accounts.models import Role, SupervisionLink

__all__ = ["supervision_links_seeing_clients_of"]


def supervision_links_seeing_clients_of(user) -> list[SupervisionLink]:
    """The supervision links through which someone else can open ``user``'s clients now,
    oldest first. A clinic admin can make a supervisor account and link it to any
    therapist, so the therapist is shown who can see their clients (DESIGN §5).

    The conditions are those of ``clinic.selectors.visible_therapist_ids``, which grants
    the access: an active account with the supervisor role in the supervisee's clinic. A
    link to an inactive account grants nothing until it is made active again, and then
    it is listed again."""
    return list(
        SupervisionLink.objects.filter(
            supervisee=user,
            supervisor__is_active=True,
            supervisor__role=Role.SUPERVISOR,
            supervisor__clinic_id=user.clinic_id,
        )
        .select_related("supervisor")
        .order_by("created_at", "pk")
    )
