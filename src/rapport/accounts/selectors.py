"""Reads about staff accounts, scoped to the user who asks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from rapport.accounts.models import AccessNotice, Role, SupervisionLink, User
from rapport.clinic.models import Client, Episode, Phase

__all__ = [
    "ACCESS_HISTORY_DAYS",
    "ClientCounts",
    "client_counts_by_therapist",
    "client_counts_of",
    "LeftBehind",
    "access_notices_recent",
    "access_notices_unseen",
    "SupervisorsOf",
    "left_behind_by_deactivation",
    "supervision_links_in_clinic_of",
    "supervision_links_reopened_by_reactivation",
    "supervision_links_seeing_clients_of",
    "supervision_links_suspended_over",
    "supervising_links",
    "supervisors_in",
    "supervisors_of",
    "supervisors_of_each",
    "user_names_in_clinic_of",
]

#: When a link would open the supervisee's clients with the supervisor's account active:
#: the conditions of ``clinic.selectors.visible_therapist_ids``, which grants the access
#: (an account with the supervisor role, in the supervisee's clinic), less the account's
#: being active.
_OPENS_CLIENTS_WHEN_ACTIVE = Q(
    supervisor__role=Role.SUPERVISOR,
    supervisee__clinic_id=F("supervisor__clinic_id"),
)

#: When a link opens the supervisee's clients now.
_OPENS_CLIENTS = _OPENS_CLIENTS_WHEN_ACTIVE & Q(supervisor__is_active=True)

#: A link suspended by its supervisor's deactivation: it opens nothing now, and opens the
#: clients again, unasked, the day the account is made active again (a role change, by
#: contrast, ends the link for good: ``services.user_update``).
_SUSPENDED = _OPENS_CLIENTS_WHEN_ACTIVE & Q(supervisor__is_active=False)


def supervision_links_seeing_clients_of(user) -> list[SupervisionLink]:
    """The supervision links through which someone else can open ``user``'s clients now,
    oldest first. A clinic admin can make a supervisor account and link it to any
    therapist, so the therapist is shown who can see their clients (DESIGN §5).

    A link to an inactive account grants nothing until it is made active again: it is
    among ``supervision_links_suspended_over``, shown apart. A role change ends the links
    of the one who supervised (``accounts.services.user_update``), so a link whose
    supervisor is not a supervisor is only a leftover of older versions: it grants
    nothing, never will, and is not listed."""
    return list(
        SupervisionLink.objects.filter(_OPENS_CLIENTS, supervisee=user)
        .select_related("supervisor")
        .order_by("created_at", "pk")
    )


def supervision_links_suspended_over(user) -> list[SupervisionLink]:
    """The supervision links to ``user`` whose supervisor's account is inactive, oldest
    first: they open none of ``user``'s clients now, but will as soon as an admin makes
    the account active again, so the therapist is told about them too, apart."""
    return list(
        SupervisionLink.objects.filter(_SUSPENDED, supervisee=user)
        .select_related("supervisor")
        .order_by("created_at", "pk")
    )


def supervision_links_reopened_by_reactivation(
    *, user: User, role: str, is_active: bool
) -> list[SupervisionLink]:
    """The suspended links that saving ``user`` as active with the role ``role`` opens
    again, oldest first, each with ``client_count``: how many of the supervisee's clients
    the supervisor sees again (a count: the admin never sees clients, DESIGN §5).

    Nothing reopens unless an inactive account is made active and keeps its supervisor
    role: a role change ends the links instead (``services.supervision_links_ended_by_
    role_change``)."""
    if user.is_active or not is_active or role != Role.SUPERVISOR or user.role != role:
        return []
    # The clients the scope would open (clinic.selectors.clients_for): the supervisee's,
    # in the supervisor's clinic.
    return list(
        SupervisionLink.objects.filter(_SUSPENDED, supervisor=user)
        .annotate(
            client_count=Count(
                "supervisee__clients",
                filter=Q(supervisee__clients__clinic_id=F("supervisor__clinic_id")),
            )
        )
        .select_related("supervisor", "supervisee")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class SupervisorsOf:
    """Who supervises a colleague: those who see their clients now, and those whose
    account is inactive (``suspended``), who see nothing now but will again once made
    active. Links left on someone who is no longer a supervisor open nothing, ever, and
    are in neither."""

    seeing: tuple[User, ...]
    suspended: tuple[User, ...]


def supervisors_of(user: User) -> SupervisorsOf:
    """Who supervises ``user``, by name (staff, never clients)."""
    return supervisors_in(supervising_links().filter(supervisee=user))


def supervisors_of_each(user_ids: Iterable[int]) -> dict[int, SupervisorsOf]:
    """``supervisors_of`` for many colleagues in one query, by user id (each id given is
    in the result, with no supervisors if it has none): a page that names the supervisors
    of each colleague in a list (the referrals offered to someone) reads them at once."""
    ids = set(user_ids)
    links: dict[int, list[SupervisionLink]] = {pk: [] for pk in ids}
    if ids:
        for link in supervising_links().filter(supervisee_id__in=ids):
            links[link.supervisee_id].append(link)
    return {pk: supervisors_in(user_links) for pk, user_links in links.items()}


def supervising_links() -> QuerySet[SupervisionLink]:
    """The links that open their supervisee's clients now or will once the supervisor's
    account is active again, supervisors by name: for ``supervisors_in``, or prefetched
    for a list of colleagues (``Prefetch("supervisor_links", supervising_links())``)."""
    return (
        SupervisionLink.objects.filter(_OPENS_CLIENTS_WHEN_ACTIVE)
        .select_related("supervisor")
        .order_by("supervisor__full_name", "supervisor__email")
    )


def supervisors_in(links) -> SupervisorsOf:
    """The supervisors of ``links`` (from ``supervising_links``), active ones apart from
    the suspended."""
    supervisors = [link.supervisor for link in links]
    return SupervisorsOf(
        seeing=tuple(u for u in supervisors if u.is_active),
        suspended=tuple(u for u in supervisors if not u.is_active),
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


@dataclass(frozen=True)
class ClientCounts:
    """How many clients a colleague has, for the clinic admin (counts, never who): current
    ones, as their caseload lists them (an open episode of care, or none started yet), and
    former ones, whose episodes have all ended (the caseload's "Show former clients"). All
    of them move with "Move clients"; counted together unlabelled, the users list said 15
    where the therapist's caseload showed 12."""

    current: int = 0
    former: int = 0

    @property
    def total(self) -> int:
        return self.current + self.former

    def __bool__(self) -> bool:
        return bool(self.total)


def client_counts_by_therapist(clinic) -> dict[int, ClientCounts]:
    """Each colleague's ``ClientCounts`` in ``clinic`` by user id (none listed: no client)."""
    return _client_counts(Client.objects.filter(therapist__clinic_id=clinic.pk))


def client_counts_of(user: User) -> ClientCounts:
    """``user``'s ``ClientCounts``: every client "Move clients" moves, current and former
    apart, for the clinic admin (counts, never who)."""
    return _client_counts(user.clients.all()).get(user.pk, ClientCounts())


def _client_counts(clients: QuerySet[Client]) -> dict[int, ClientCounts]:
    """The ``ClientCounts`` of ``clients`` by therapist id. Former as
    ``clinic.selectors.CaseloadRow.is_former``: an episode, and none open."""
    episodes = Episode.objects.filter(client=OuterRef("pk"))
    rows = (
        clients.annotate(
            has_episode=Exists(episodes),
            has_open_episode=Exists(episodes.exclude(phase=Phase.CLOSED)),
        )
        .values("therapist_id", "has_episode", "has_open_episode")
        .annotate(n=Count("pk"))
        .order_by()
    )
    current: dict[int, int] = {}
    former: dict[int, int] = {}
    for row in rows:
        is_former = row["has_episode"] and not row["has_open_episode"]
        tally = former if is_former else current
        tally[row["therapist_id"]] = tally.get(row["therapist_id"], 0) + row["n"]
    return {
        pk: ClientCounts(current=current.get(pk, 0), former=former.get(pk, 0))
        for pk in current.keys() | former.keys()
    }


@dataclass(frozen=True)
class LeftBehind:
    """What making a staff account inactive leaves without its therapist, for the clinic
    admin: ``open_clients``, the clients with an episode of care still open (a count, as
    the users list shows each colleague's clients).

    Nothing clinical: no count of alerts or of risk answers waiting, not even whether any
    wait. Such a count changes when one client answers, and the admin's audit page shows
    which client's record changed then, so comparing the two names the client who gave a
    risk answer (DESIGN §5: an admin sees no clinical fact). Whoever supervises the
    colleague sees the clients and all that waits (``supervisors_of``)."""

    open_clients: int

    def __bool__(self) -> bool:
        return bool(self.open_clients)

    @property
    def key(self) -> str:
        """What a confirmation was given for: it must not hold for more clients than the
        warning counted (an episode opened meanwhile)."""
        return str(self.open_clients)


def left_behind_by_deactivation(user: User) -> LeftBehind:
    """What ``user``'s own caseload would leave behind if their account were made inactive
    (whoever supervises them still sees it: ``supervisors_of``)."""
    open_phases = [phase for phase in Phase.values if phase != Phase.CLOSED]
    open_clients = user.clients.filter(episodes__phase__in=open_phases).distinct().count()
    return LeftBehind(open_clients=open_clients)


#: How far back the page "Who can see your clients" looks (its changes and its reads).
ACCESS_HISTORY_DAYS = 90


def access_notices_unseen(user) -> list[AccessNotice]:
    """``user``'s own notices not yet marked seen, oldest first (their caseload shows them)."""
    if not user.is_authenticated:
        return []
    return list(AccessNotice.objects.filter(user=user, seen_at__isnull=True))


def access_notices_recent(user, *, since) -> list[AccessNotice]:
    """``user``'s own notices since ``since``, seen or not, newest first."""
    return list(AccessNotice.objects.filter(user=user, created_at__gte=since).order_by("-pk"))


def user_names_in_clinic_of(admin, user_ids: Iterable[int]) -> dict[int, str]:
    """The name (the email where there is none) of each of ``user_ids`` that is a user of
    ``admin``'s clinic, by id, in one query: another clinic's user, or one deleted, is
    absent. For the admin's audit page, which names the account of each sign-in row."""
    ids = set(user_ids)
    if not ids or admin.clinic_id is None:
        return {}
    return {
        pk: full_name or email
        for pk, full_name, email in User.objects.filter(
            clinic_id=admin.clinic_id, pk__in=ids
        ).values_list("pk", "full_name", "email")
    }
