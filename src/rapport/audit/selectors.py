"""Reading the audit log (clinic admins only).

The admin's page shows events about client data coarsely (see :func:`is_client_data`):
a clinic admin manages users and settings and never sees client records (DESIGN §5),
while the stored targets keep their full detail for a privacy officer's investigation.
Events about users and settings show their target, and a change to the guidance library
("strategy:22:disabled") also names the strategy, so an admin can see which safety step
was disabled without looking its number up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Case, CharField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Concat, StrIndex, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.audit.models import Action, AuditEvent

__all__ = [
    "ACTION_FILTER_CHOICES",
    "CLIENT_CHANGED",
    "CLIENT_READ",
    "AdminAuditRow",
    "admin_audit_row",
    "audit_events_for",
    "is_client_data",
]

# The two coarse kinds an admin may know of a client-data event. An export copies the
# data out without changing it, so it is a read; a client's own submission is a change.
_READ_ACTIONS = frozenset({Action.VIEW, Action.EXPORT})
_CHANGE_ACTIONS = frozenset(Action.values) - _READ_ACTIONS


def is_client_data(event: AuditEvent) -> bool:
    """The one rule for what the admin's page hides: an event with a client id is about a
    client's record, and its target, sub-action and even its exact action are clinical
    facts. "Changed response:12" is written only when a therapist follows up a risk
    answer (PHQ-9 item 9, thoughts of self-harm), "response:12:phq9" names the
    questionnaire a client answered, "alert:3:raised" a clinical alert. Events without a
    client id are about users and settings, the admin's own work, and keep their detail."""
    return event.client_id is not None


# The same rule as a query, for the page's filters; kept beside the function above so
# the two cannot drift apart.
_CLIENT_DATA = Q(client_id__isnull=False)


@dataclass(frozen=True)
class AdminAuditRow:
    """One line of the admin's audit page: for client data, who, when, which client and
    whether the record was read or changed; nothing of what in it."""

    at: datetime
    actor_label: str
    action: str
    what: str
    client_id: int | None
    ip_address: str | None


def admin_audit_row(event: AuditEvent) -> AdminAuditRow:
    if is_client_data(event):
        action = _("Read") if event.action in _READ_ACTIONS else _("Changed")
        what = _("Client record")
    else:
        action, what = event.get_action_display(), _settings_target(event)
    return AdminAuditRow(
        at=event.at,
        actor_label=event.actor_label,
        action=str(action),
        what=what,
        client_id=event.client_id,
        ip_address=event.ip_address,
    )


def _settings_target(event: AuditEvent) -> str:
    """The target of an event about users and settings, with the strategy's title for a
    change to the guidance library (read with the page, see :func:`_with_strategy_titles`)."""
    title = getattr(event, "strategy_title", None)
    if not title:
        return event.target
    return _("Strategy “%(title)s” (%(target)s)") % {"title": title, "target": event.target}


_STRATEGY_PREFIX = "strategy:"


def _with_strategy_titles(events, user):
    """Each event whose target is ``strategy:<id>`` or ``strategy:<id>:<what>`` carries the
    title of that strategy of the admin's clinic as ``strategy_title``, read in the page's
    own query (a subquery), not one query per row. Client-data events never have such a
    target (strategies are not client data) and are shown coarsely whatever they carry."""
    from rapport.guidance.models import Strategy

    rest = Concat(Substr("target", len(_STRATEGY_PREFIX) + 1), Value(":"))
    strategy_id = Substr(rest, 1, StrIndex(rest, Value(":")) - 1, output_field=CharField())
    title = (
        Strategy.objects.filter(clinic_id=user.clinic_id)
        .annotate(id_text=Cast("pk", CharField()))
        .filter(id_text=OuterRef("strategy_ref"))
        .values("title")[:1]
    )
    return events.annotate(strategy_ref=strategy_id).annotate(
        strategy_title=Case(
            When(Q(target__startswith=_STRATEGY_PREFIX), then=Subquery(title)),
            default=Value(None),
            output_field=CharField(),
        )
    )


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
        events = events.filter(_action_matches(action))
    return _with_strategy_titles(events, user).order_by("-at", "-pk")


# The action filter's choices: client records only as read or changed (see
# :func:`is_client_data`), users and settings by their exact action. A client's own
# submission is never an event about users or settings, so it has no choice of its own.
CLIENT_READ = "client-read"
CLIENT_CHANGED = "client-changed"
ACTION_FILTER_CHOICES = [
    ("", gettext_lazy("Any")),
    (
        gettext_lazy("Client records"),
        [(CLIENT_READ, gettext_lazy("Read")), (CLIENT_CHANGED, gettext_lazy("Changed"))],
    ),
    (
        gettext_lazy("Users and settings"),
        [(value, label) for value, label in Action.choices if value != Action.SUBMIT],
    ),
]


def _action_matches(action: str) -> Q:
    """An action filter narrows client-data events only as far as the page shows them,
    read or changed: "Changed" must not pick out the one update a risk follow-up writes
    from a client's own submissions (see :func:`is_client_data`). An exact action is a
    filter on users and settings only."""
    if action == CLIENT_READ:
        return _CLIENT_DATA & Q(action__in=sorted(_READ_ACTIONS))
    if action == CLIENT_CHANGED:
        return _CLIENT_DATA & Q(action__in=sorted(_CHANGE_ACTIONS))
    return ~_CLIENT_DATA & Q(action=action)


def _labels_in_clinic(user):
    from rapport.accounts.models import User

    return User.objects.filter(clinic=user.clinic).values_list("email", flat=True)


def _client_ids_in_clinic(user):
    from rapport.clinic.models import Client

    return Client.objects.filter(clinic=user.clinic).values_list("pk", flat=True)
