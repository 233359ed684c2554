"""Reading the audit log (clinic admins only).

The admin's page shows events about client data coarsely (see :func:`is_client_data`):
a clinic admin manages users and settings and never sees client records (DESIGN §5),
while the stored targets keep their full detail for a privacy officer's investigation.
Events about users and settings show their target, and a change to the guidance library
("strategy:22:disabled") also names the strategy, so an admin can see which safety step
was disabled without looking its number up; an event about one user
("user:2:deactivated", "api-token:5:user:2:revoked") names the user.

Which events a clinic's admin sees: those of the clinic's users, those about the clinic's
clients (coarsely), and those of the command line and the system ("cli", "system") that
name one of the clinic's users or the clinic itself ("dropout-calibration:clinic:3"). An
operator's work that names no clinic (a key rotation, the shipped guidance library) is
the installation's, not a clinic's, and is shown to no clinic's admin. Each row stores
that clinic when it is written (:mod:`rapport.audit.scope`), so the page reads one
indexed column and pages by position (:func:`admin_audit_page`), whatever the log's size.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.db.models.query import ModelIterable
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rapport.audit.display import DELETED_ACCOUNT, event_detail, settings_event_words
from rapport.audit.models import CREATED_OR_CHANGED, Action, AuditEvent
from rapport.audit.scope import OPERATOR_LABELS, as_id, subject_user_ref

__all__ = [
    "ACCOUNT_SECURITY",
    "ACTION_FILTER_CHOICES",
    "CLIENT_CHANGED",
    "CLIENT_CREATED",
    "CLIENT_READ",
    "FAILED_SIGN_INS",
    "OPERATOR_LABELS",
    "PAGE_SIZE",
    "SCHEDULED_OR_COMMAND_LINE",
    "SETTINGS_CHANGED",
    "SIGN_INS",
    "STAFF_ACCOUNTS",
    "AdminAuditGroup",
    "AdminAuditPage",
    "AdminAuditRow",
    "ClientRecordReader",
    "admin_audit_lines",
    "admin_audit_page",
    "admin_audit_row",
    "audit_events_for",
    "client_record_readers",
    "supervision_link_grants",
    "is_client_data",
]

# The coarse kinds an admin may know of a client-data event. An export copies the data
# out without changing it, so it is a read; a client's own submission is a change. The
# creation of the client record itself (clinic.services.client_create) is a third kind:
# that a clinic took a client on is no clinical fact, while the creation of anything in
# a record (a goal, a check-in link, an alert) stays "changed".
_READ_ACTIONS = frozenset({Action.VIEW, Action.EXPORT})
_CHANGE_ACTIONS = frozenset(Action.values) - _READ_ACTIONS
_CLIENT_CREATION = Q(action=Action.CREATE, target="client")


def is_client_data(event: AuditEvent) -> bool:
    """The one rule for what the admin's page hides: an event with a client id is about a
    client's record, and its target, sub-action and even its exact action are clinical
    facts. "Changed response:12" is written only when a therapist follows up a risk
    answer (PHQ-9 item 9, thoughts of self-harm), "response:12:phq9" names the
    questionnaire a client answered, "alert:3:raised" a clinical alert. Events without a
    client id are about users and settings, the admin's own work, and keep their detail."""
    return event.client_id is not None


# The same rule as a query, for the page's filters; kept beside the function above so
# the two cannot drift apart. Its opposite is written "client_id IS NULL", not as
# ~_CLIENT_DATA ("NOT (client_id IS NOT NULL)", the same rows): SQLite seeks an index on
# the first form only, so a kind of event (sign-ins, settings...) reads the clinic's rows
# about no client through the index on (clinic_id, client_id, at), newest first, instead of
# walking every read of a client record in the clinic's log (PostgreSQL does either).
_CLIENT_DATA = Q(client_id__isnull=False)
_NOT_CLIENT_DATA = Q(client_id__isnull=True)


@dataclass(frozen=True)
class AdminAuditRow:
    """One line of the admin's audit page: for client data, who, when, which client and
    whether the record was read or changed; nothing of what in it. ``what`` says what
    happened in words ("Made account inactive — Sam Lee", "Read client record"), and
    ``detail`` the stored action and target under them for an event about users and
    settings ("Changed · user:7:deactivated"; empty for client data)."""

    at: datetime
    actor_label: str
    action: str
    what: str
    client_id: int | None
    ip_address: str | None
    # Which request, command or run wrote it (None on rows older than the field).
    request_id: uuid.UUID | None = None
    # Whether it is about a client's record (and may join a group of them).
    is_client_data: bool = False
    detail: str = ""


@dataclass(frozen=True)
class AdminAuditGroup:
    """Consecutive client-record rows of one request, one actor and one coarse action that
    name several clients, as one line: "Read" "12 client records" (a caseload view writes
    a row per client shown). ``rows`` keeps each client's row, for the page's details list."""

    at: datetime
    actor_label: str
    action: str
    what: str
    ip_address: str | None
    client_count: int
    rows: tuple[AdminAuditRow, ...]


def admin_audit_row(event: AuditEvent) -> AdminAuditRow:
    detail = ""
    if is_client_data(event):
        action = _coarse_client_action(event)
        what = _client_record_words(action, 1)
    else:
        action = event.get_action_display()
        what = _settings_words(event)
        detail = event_detail(str(action), event.target)
    return AdminAuditRow(
        at=event.at,
        actor_label=event.actor_label,
        action=str(action),
        what=what,
        client_id=event.client_id,
        ip_address=event.ip_address,
        request_id=event.request_id,
        is_client_data=is_client_data(event),
        detail=detail,
    )


def _client_record_words(action: str, count: int) -> str:
    """ "Read client record", "Changed 12 client records": the coarse action and the
    record, nothing of what in it (:func:`is_client_data`)."""
    if action == _("Read"):
        text = ngettext("Read client record", "Read %(count)d client records", count)
    elif action == _("Created"):
        text = ngettext("Created client record", "Created %(count)d client records", count)
    else:
        text = ngettext("Changed client record", "Changed %(count)d client records", count)
    return text % {"count": count} if count != 1 else text


def admin_audit_lines(events: Iterable[AuditEvent]) -> list[AdminAuditRow | AdminAuditGroup]:
    """The page's lines, in the events' order: each run of consecutive rows about client
    records with the same request id, actor and coarse action ("Read") is one line. A run
    naming two clients or more is an :class:`AdminAuditGroup` (a caseload view); a run
    about one client is that client's row, once (a client's page writes a row for the page
    and one per panel, which the page would show as identical rows: how many there are
    says which panels had something to show). Rows without a request id (written before
    it was kept) and events about users and settings (each says what changed) stay one a
    line."""
    lines: list[AdminAuditRow | AdminAuditGroup] = []
    run: list[AdminAuditRow] = []
    for row in map(admin_audit_row, events):
        if run and _same_run(run[-1], row):
            run.append(row)
            continue
        lines += _run_lines(run)
        run = [row]
    return lines + _run_lines(run)


def _same_run(last: AdminAuditRow, row: AdminAuditRow) -> bool:
    return (
        row.is_client_data
        and last.is_client_data
        and row.request_id is not None
        and (row.request_id, row.actor_label, row.action)
        == (last.request_id, last.actor_label, last.action)
    )


def _run_lines(run: list[AdminAuditRow]) -> list[AdminAuditRow | AdminAuditGroup]:
    """A run's line: each client's newest row, alone or grouped."""
    newest: dict[int | None, AdminAuditRow] = {}
    for row in run:
        newest.setdefault(row.client_id, row)
    if len(newest) < 2:
        return list(newest.values())
    first, count = run[0], len(newest)
    return [
        AdminAuditGroup(
            at=first.at,
            actor_label=first.actor_label,
            action=first.action,
            what=_client_record_words(first.action, count),
            ip_address=first.ip_address,
            client_count=count,
            rows=tuple(newest.values()),
        )
    ]


def _coarse_client_action(event: AuditEvent) -> str:
    if event.action in _READ_ACTIONS:
        return _("Read")
    if event.action == Action.CREATE and event.target == "client":
        return _("Created")
    return _("Changed")


def _settings_words(event: AuditEvent) -> str:
    """What an event about users and settings did, in words (:mod:`rapport.audit.display`),
    with the strategy's title for a change to the guidance library and the user's name for
    an event about one user ("Deleted account" for an id no longer the clinic's), both read
    with the page (:func:`_attach_names`)."""
    return settings_event_words(
        action=event.action,
        target=event.target,
        user_name=getattr(event, "subject_user_name", None),
        strategy_title=getattr(event, "strategy_title", None),
    )


_STRATEGY_PREFIX = "strategy:"


def _strategy_ref(target: str) -> str | None:
    """``strategy:<id>`` or ``strategy:<id>:<what>``: the id as written."""
    if target.startswith(_STRATEGY_PREFIX):
        return target[len(_STRATEGY_PREFIX) :].split(":", 1)[0]
    return None


def _attach_names(events: list[AuditEvent], clinic_id: int | None) -> None:
    """Each event whose target is ``strategy:<id>…`` carries the title of that strategy of
    the clinic as ``strategy_title``, and each event about one user of the clinic
    (:func:`rapport.audit.scope.subject_user_ref`) that user's name, their email where
    they have none, as ``subject_user_name``: None for another clinic's, or none. Read for
    the rows fetched, one query for each kind, never one per row. Client-data events never
    have such a target (strategies are not client data) and are shown coarsely whatever
    they carry."""
    from rapport.accounts.models import User
    from rapport.guidance.models import Strategy

    strategy_refs = {event.pk: as_id(_strategy_ref(event.target)) for event in events}
    user_refs = {event.pk: as_id(subject_user_ref(event.target)) for event in events}
    titles: dict[int, str] = {}
    names: dict[int, str] = {}
    if clinic_id is not None and any(strategy_refs.values()):
        titles = dict(
            Strategy.objects.filter(
                clinic_id=clinic_id, pk__in={r for r in strategy_refs.values() if r}
            ).values_list("pk", "title")
        )
    if clinic_id is not None and any(user_refs.values()):
        names = {
            pk: full_name or email
            for pk, full_name, email in User.objects.filter(
                clinic_id=clinic_id, pk__in={r for r in user_refs.values() if r}
            ).values_list("pk", "full_name", "email")
        }
    for event in events:
        strategy, user = strategy_refs[event.pk], user_refs[event.pk]
        event.strategy_title = titles.get(strategy) if strategy else None  # type: ignore[attr-defined]
        # An id that is no user of the clinic: the account was deleted (a target of this
        # clinic's row never names another clinic's user; if one did, it is not named).
        event.subject_user_name = (  # type: ignore[attr-defined]
            names.get(user, str(DELETED_ACCOUNT)) if user else None
        )


class _NamedEvents(ModelIterable):
    """The rows of :func:`audit_events_for`, each with the names it shows (read with
    :func:`_attach_names` once the rows are fetched). ``clinic_id`` is set per query."""

    clinic_id: int | None = None

    def __iter__(self):
        events = list(super().__iter__())
        _attach_names(events, self.clinic_id)
        yield from events


def _named(events, clinic_id: int | None):
    events._iterable_class = type("NamedEvents", (_NamedEvents,), {"clinic_id": clinic_id})
    return events


def audit_events_for(
    user, *, actor_email: str = "", client_id: int | None = None, action: str = ""
):
    """The events a clinic's admin sees, newest first: the rows stored with the admin's
    clinic (rapport.audit.scope decides it when a row is written: the clinic's users',
    those about its clients, and the command line's and the system's naming one of its
    users or the clinic), one indexed condition whatever the size of the log."""
    if not (user.is_authenticated and user.is_clinic_admin):
        raise PermissionDenied
    if user.clinic_id is None:  # an admin of no clinic sees nothing (never the installation's)
        return _named(AuditEvent.objects.none(), None)
    events = AuditEvent.objects.filter(clinic_id=user.clinic_id)
    if actor_email:
        events = events.filter(actor_label__icontains=actor_email.strip().lower())
    if client_id is not None:
        events = events.filter(client_id=client_id)
    if action:
        events = events.filter(_action_matches(action))
    return _named(events.order_by("-at", "-pk"), user.clinic_id)


PAGE_SIZE = 50


@dataclass(frozen=True)
class AdminAuditPage:
    """One page of the admin's audit log, newest first, and where the next pages start:
    ``newer`` and ``older`` are the ids of the first and last event shown (None where no
    event lies that way), the *Newer* link asking for events after the one, *Older* for
    events before the other. Paging by position in the log, not by a page number, reads
    only the page's rows (and one row either side): no count of the whole log, no offset
    past every newer row."""

    events: list[AuditEvent]
    newer: int | None = None
    older: int | None = None


def _older_than(at: datetime, pk: int) -> Q:
    # "at <= A" lets the (clinic_id, at) index find the start; the rest breaks ties by id.
    return Q(at__lte=at) & (Q(at__lt=at) | Q(pk__lt=pk))


def _newer_than(at: datetime, pk: int) -> Q:
    return Q(at__gte=at) & (Q(at__gt=at) | Q(pk__gt=pk))


def admin_audit_page(
    user,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
    **filters,
) -> AdminAuditPage:
    """The page of :func:`audit_events_for` (same filters) that starts just older than
    event ``before``, or ends just newer than event ``after``; the newest page without
    either. An id that is not one of the clinic's events gives the newest page."""
    events = audit_events_for(user, **filters)
    cursor_id = before if before is not None else after
    cursor = (
        AuditEvent.objects.filter(clinic_id=user.clinic_id, pk=cursor_id).values("at", "pk").first()
        if cursor_id is not None and user.clinic_id is not None
        else None
    )
    if cursor is not None and before is None:
        rows = list(events.filter(_newer_than(cursor["at"], cursor["pk"])).reverse()[: size + 1])
        more_newer = len(rows) > size
        shown = rows[:size][::-1]
        more_older = True
    else:
        if cursor is not None:
            events = events.filter(_older_than(cursor["at"], cursor["pk"]))
        rows = list(events[: size + 1])
        shown = rows[:size]
        more_older = len(rows) > size
        more_newer = cursor is not None
    if not shown:
        return AdminAuditPage(events=[])
    first, last = shown[0], shown[-1]
    return AdminAuditPage(
        events=shown,
        newer=first.pk if more_newer else None,
        older=last.pk if more_older else None,
    )


# The action filter's choices. First by the kind of event an admin looks for (sign-ins,
# failed sign-ins, passwords and second factors, staff accounts, settings), each a
# condition on the stored action and the target's first part or ending (no kind of its own
# is stored: a sign-in is a created ``auth:user:<id>:sign-in``, rapport.accounts.
# security_audit); then client records only as read, created or changed (see
# :func:`is_client_data`); then users and settings by their exact stored action, sign-ins
# and the like apart (a sign-in listed under "User or setting created" was found by no
# one). A client's own submission is never an event about users or settings, so it has
# no choice of its own. Each label says which kind it is about: a closed list shows the
# chosen label without its group, and "Changed" twice could not be told apart.
SIGN_INS = "sign-ins"
FAILED_SIGN_INS = "failed-sign-ins"
ACCOUNT_SECURITY = "account-security"
STAFF_ACCOUNTS = "staff-accounts"
SETTINGS_CHANGED = "settings"
SCHEDULED_OR_COMMAND_LINE = "system"
CLIENT_READ = "client-read"
CLIENT_CREATED = "client-created"
CLIENT_CHANGED = "client-changed"

# The targets of rapport.accounts.security_audit (written there; matched here by their
# shape, as audit cannot import accounts).
_AUTH = Q(target__startswith="auth:")
_OWN_SECURITY = (
    Q(target__startswith="auth:user:")
    & (Q(target__contains=":own-password:") | Q(target__contains=":mfa:"))
    & ~Q(target__endswith=":sign-in-failed:mfa-code")
)
_KINDS: dict[str, Q] = {
    SIGN_INS: _AUTH
    & (
        (Q(action=Action.CREATE) & Q(target__endswith=":sign-in"))
        | (
            Q(action=Action.DELETE)
            & (Q(target__endswith=":sign-out") | Q(target__endswith=":sign-out:session-limit"))
        )
    ),
    FAILED_SIGN_INS: _AUTH
    & Q(action=Action.UPDATE)
    & (
        Q(target__endswith=":sign-in-failed")
        | Q(target__endswith=":sign-in-failed:mfa-code")
        | Q(target__endswith=":sign-in-refused")
    ),
    # Passwords, second factors and API tokens: the ways into an account, its user's own
    # changes and those an admin or the command line made.
    ACCOUNT_SECURITY: _OWN_SECURITY
    | (
        Q(target__startswith="user:")
        & (Q(target__endswith=":password") | Q(target__endswith=":mfa"))
    )
    | Q(target__startswith="api-token:"),
    STAFF_ACCOUNTS: (
        Q(target__startswith="user:")
        & ~Q(target__endswith=":password")
        & ~Q(target__endswith=":mfa")
    )
    | Q(target__startswith="supervision:"),
    SETTINGS_CHANGED: ~Q(action=Action.VIEW)
    & (
        Q(target__startswith="clinic-settings:")
        | Q(target="checkin-schedule")
        | Q(target__startswith="wording:")
        | Q(target__startswith="strategy:")
        | Q(target__startswith="matching-profile:")
    ),
    SCHEDULED_OR_COMMAND_LINE: Q(actor_label__in=OPERATOR_LABELS),
}
_SETTINGS_ACTION_LABELS = {
    Action.VIEW: gettext_lazy("User or setting viewed"),
    Action.CREATE: gettext_lazy("User or setting created"),
    Action.UPDATE: gettext_lazy("User or setting changed"),
    Action.DELETE: gettext_lazy("User or setting deleted"),
    Action.EXPORT: gettext_lazy("User or setting exported"),
}
ACTION_FILTER_CHOICES = [
    ("", gettext_lazy("Any")),
    (
        gettext_lazy("Kind of event"),
        [
            (SIGN_INS, gettext_lazy("Sign-ins and sign-outs")),
            (FAILED_SIGN_INS, gettext_lazy("Failed or refused sign-ins")),
            (ACCOUNT_SECURITY, gettext_lazy("Passwords, two-factor and API tokens")),
            (STAFF_ACCOUNTS, gettext_lazy("Staff accounts and supervision links")),
            (SETTINGS_CHANGED, gettext_lazy("Clinic settings, wording and strategies changed")),
            (SCHEDULED_OR_COMMAND_LINE, gettext_lazy("Scheduled runs and command line")),
        ],
    ),
    (
        gettext_lazy("Client records"),
        [
            (CLIENT_READ, gettext_lazy("Client record read")),
            (CLIENT_CREATED, gettext_lazy("Client record created")),
            (CLIENT_CHANGED, gettext_lazy("Client record changed")),
        ],
    ),
    (
        gettext_lazy("Users and settings, by stored action"),
        [(str(value), label) for value, label in _SETTINGS_ACTION_LABELS.items()],
    ),
]


def _action_matches(action: str) -> Q:
    """An action filter narrows client-data events only as far as the page shows them,
    read, created (the record itself) or changed: "Changed" must not pick out the one
    update a risk follow-up writes from a client's own submissions (see
    :func:`is_client_data`), and no kind of event picks out any of them. An exact action is
    a filter on users and settings only, sign-ins and the account's own security changes
    apart (they have kinds of their own)."""
    if action == CLIENT_READ:
        return _CLIENT_DATA & Q(action__in=sorted(_READ_ACTIONS))
    if action == CLIENT_CREATED:
        return _CLIENT_DATA & _CLIENT_CREATION
    if action == CLIENT_CHANGED:
        return _CLIENT_DATA & Q(action__in=sorted(_CHANGE_ACTIONS)) & ~_CLIENT_CREATION
    if action in _KINDS:
        return _NOT_CLIENT_DATA & _KINDS[action]
    return _NOT_CLIENT_DATA & ~_AUTH & Q(action=action)


# -- what a clinician is shown about access to their own clients ---------------------------


@dataclass(frozen=True)
class ClientRecordReader:
    """Someone other than the clinician who read their clients' records: the account (its
    email, or "cli" / "system"), its role now ("" for the command line and the system),
    how many reads (a caseload view of ten clients is ten), of how many clients, and
    when last."""

    label: str
    role: str
    reads: int
    clients: int
    last_read: datetime


def client_record_readers(user, *, since: datetime) -> list[ClientRecordReader]:
    """Who other than ``user`` read the records of ``user``'s clients (those who are
    theirs now) since ``since``, most reads first: a supervisor account an admin made,
    reading the caseload, shows here for the therapist to see, whoever chose its name.
    Reads are views and exports (the kinds the admin's page calls "read"). Only ``user``'s
    own clients: a clinician asks about no one else's."""
    if not (user.is_authenticated and not user.is_clinic_admin):
        raise PermissionDenied
    client_ids = list(user.clients.values_list("pk", flat=True))
    if not client_ids:
        return []
    rows = (
        AuditEvent.objects.filter(
            client_id__in=client_ids, action__in=sorted(_READ_ACTIONS), at__gte=since
        )
        .exclude(actor_id=user.pk)
        .values("actor_id", "actor_label", "actor__role")
        .annotate(reads=Count("pk"), clients=Count("client_id", distinct=True), last=Max("at"))
        .order_by("-reads", "actor_label")
    )
    return [
        ClientRecordReader(
            label=row["actor_label"],
            role=row["actor__role"] or "",
            reads=row["reads"],
            clients=row["clients"],
            last_read=row["last"],
        )
        for row in rows
    ]


def supervision_link_grants(links) -> dict[int, tuple[str, datetime]]:
    """Who last opened each supervision link (created it, or reopened it by making its
    supervisor's account active again) and when, by link id, from the audit log: the link
    itself does not keep it. ``links`` are the caller's own (``accounts.selectors``); a
    link made before the log kept it is absent."""
    targets: dict[str, int] = {}
    links = list(links)
    # A link id a deleted link once had belongs to that one's events, written before this
    # link existed (the minute allows for clocks: both are written in one transaction).
    made = {link.pk: link.created_at - timedelta(minutes=1) for link in links}
    for link in links:
        targets[f"supervision:{link.pk}"] = link.pk
        reopened = f"supervision:{link.pk}:user:{link.supervisor_id}->user:{link.supervisee_id}"
        targets[f"{reopened}:reopened"] = link.pk
    if not targets:
        return {}
    # CREATED_OR_CHANGED, as written there: the condition of the index on target.
    events = AuditEvent.objects.filter(CREATED_OR_CHANGED, target__in=list(targets)).order_by(
        "at", "pk"
    )
    grants: dict[int, tuple[str, datetime]] = {}
    for event in events.only("actor_label", "at", "target"):
        pk = targets[event.target]
        if event.at >= made[pk]:
            grants[pk] = (event.actor_label, event.at)
    return grants
