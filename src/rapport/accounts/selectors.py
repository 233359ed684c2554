"""Reads about staff accounts, scoped to the user who asks."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet

from rapport.accounts.models import Role, SupervisionLink

__all__ = ["supervision_links_in_clinic_of", "supervision_links_seeing_clients_of"]

#: When a link opens the supervisee's clients: the conditions of
#: ``clinic.selectors.visible_therapist_ids``, which grants the access (an active account
#: with the supervisor role, in the supervisee's clinic).
_OPENS_CLIENTS = Q(
    supervisor__is_active=True,
    supervisor__role=Role.SUPERVISOR,
    supervisee__clinic_id=F("supervisor__clinic_id"),
)


def supervision_links_seeing_clients_of(user) -> list[SupervisionLink]:
    """The supervision links through which someone else can open ``user``'s clients now,
    oldest first. A clinic admin can make a supervisor account and link it to any
    therapist, so the therapist is shown who can see their clients (DESIGN §5).

    A link to an inactive account grants nothing until it is made active again, and then
    it is listed again. A role change ends the links of the one who supervised
    (``accounts.services.user_update``), so a link whose supervisor is not a supervisor
    is only a leftover of older versions: it grants nothing and is not listed."""
    return list(
        SupervisionLink.objects.filter(_OPENS_CLIENTS, supervisee=user)
        .select_related("supervisor")
        .order_by("created_at", "pk")
    )


def supervision_links_in_clinic_of(admin) -> QuerySet[SupervisionLink]:
    """Every supervision link of ``admin``'s clinic, for the admin who manages them, each
    with ``opens_clients``: False for a link that grants nothing now (its supervisor's
    account is inactive, or, left by an older version, not a supervisor's), which the
    page must not list as if it were in force."""
    return (
        SupervisionLink.objects.filter(supervisor__clinic_id=admin.clinic_id)
        .annotate(opens_clients=ExpressionWrapper(_OPENS_CLIENTS, output_field=BooleanField()))
        .select_related("supervisor", "supervisee")
        .order_by("pk")
    )
