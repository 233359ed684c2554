"""Writes to staff accounts and supervision links (clinic admins only)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from typing import cast

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from rapport.accounts.models import AccessNotice, AccessNoticeKind, Role, SupervisionLink, User
from rapport.accounts.notices import BY_OPERATOR, access_notice_by, actor_name
from rapport.accounts.selectors import (
    SupervisorsOf,
    left_behind_by_deactivation,
    supervision_links_reopened_by_reactivation,
    supervisors_of,
)
from rapport.audit.services import Action, audit_record, audit_record_many
from rapport.core.hooks import AccountChange, account_access_changed

__all__ = [
    "SupervisionChange",
    "access_notice_mail",
    "access_notices_mark_seen",
    "clients_move",
    "clients_move_supervision_change",
    "supervision_change",
    "mfa_reset",
    "sign_in_pause_clear",
    "supervision_link_create",
    "supervision_link_delete",
    "supervision_links_ended_by_role_change",
    "user_create",
    "user_password_check",
    "user_set_password",
    "user_update",
]


logger = logging.getLogger(__name__)

_MAX_NAME = User._meta.get_field("full_name").max_length or 200
_MAX_EMAIL = User._meta.get_field("email").max_length or 254


def _require_admin(actor) -> None:
    """A clinic admin, or the command line: None, or "cli" where the audit log should
    say so (``rapport set-password``)."""
    if not (actor is None or actor == "cli" or actor.is_clinic_admin):
        raise PermissionDenied


def _check_trainee(*, role: str, is_trainee: bool) -> None:
    """Only a therapist can be a trainee: monitoring reads "trainee" as a therapist in
    training, whose clients drop out more often (Swift & Greenberg 2012), and a trainee
    supervisor or admin means nothing there."""
    if is_trainee and role != Role.THERAPIST:
        raise ValidationError(
            {"is_trainee": "Only a therapist can be a trainee: untick it or choose Therapist."}
        )


def user_password_check(password: str, user: User) -> None:
    """Django's password rules (settings.AUTH_PASSWORD_VALIDATORS) for ``user``'s new
    password, each refusal tied to the "password" field: a form shows it next to the
    password, in the same round as its other errors (UserCreateForm), and the command line
    prints the messages alone. ``user`` need not be saved: the rule against a password like
    the user's name or email reads them from it."""
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.error_list}) from None


@transaction.atomic
def user_create(
    *,
    actor,
    clinic,
    email: str,
    role: str,
    password: str | None = None,
    full_name: str = "",
    is_trainee: bool = False,
    temporary: bool = True,
    request=None,
) -> User:
    """Create a staff account. ``actor`` None or "cli" means the command line (an operator).
    ``temporary``, as for :func:`user_set_password`: whoever typed the password knows it,
    so the user must choose their own at their first sign-in (False only for an operator
    making their own account: ``rapport createuser --own``)."""
    _require_admin(actor)
    email = email.strip().lower()
    try:
        validate_email(email)
        if len(email) > _MAX_EMAIL:
            raise ValidationError("too long")
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if len(full_name.strip()) > _MAX_NAME:
        raise ValidationError({"full_name": f"Keep the name under {_MAX_NAME} characters."})
    if role not in Role.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(Role.values)}."})
    _check_trainee(role=role, is_trainee=is_trainee)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A user with this email address already exists."})
    user = User(
        email=email, role=role, clinic=clinic, full_name=full_name.strip(), is_trainee=is_trainee
    )
    if password:
        user_password_check(password, user)
        user.set_password(password)
        # Whoever typed it knows it (an admin, or an operator at the command line making
        # someone else's account): the user chooses their own at first sign-in.
        user.must_change_password = temporary
    else:
        user.set_unusable_password()
    user.save()
    # The role the account was made with: the admin's page shows what was created.
    target = f"user:{user.pk}:role:{role}" + (",trainee" if is_trainee else "")
    audit_record(actor=actor, action=Action.CREATE, target=target, request=request)
    if user.must_change_password:
        # Not mailed: the account is new, so no one had it to lose, and the admin hands
        # the password over themselves.
        _notify(user, AccessNoticeKind.PASSWORD_SET, actor=actor, mail=False)
    return user


@transaction.atomic
def user_set_password(
    *, actor, user: User, password: str, temporary: bool = True, request=None
) -> User:
    """A new password for a staff member who forgot theirs (``actor`` None or "cli": the
    command line). Their other sessions end: Django checks each session against the password.
    ``temporary``: whoever typed it knows it, so the user must choose their own at their
    next sign-in (False only for an operator setting their own)."""
    _require_admin(actor)
    user_password_check(password, user)
    user.set_password(password)
    user.must_change_password = temporary
    user.save(update_fields=["password", "must_change_password"])
    audit_record(
        actor=actor, action=Action.UPDATE, target=f"user:{user.pk}:password", request=request
    )
    if temporary:
        # Whoever typed it could sign in as the user until they chose their own: the user
        # is told, by whom and when, where only the admin's audit page said so before.
        _notify(user, AccessNoticeKind.PASSWORD_SET, actor=actor)
    # Whatever the old password opened elsewhere ends with it too (the API's tokens).
    account_access_changed(user, change=AccountChange.PASSWORD, actor=actor, request=request)
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user: User,
    supervision_end_accepted: bool = False,
    supervision_reopen_accepted: bool = False,
    deactivation_accepted: bool = False,
    request=None,
    **fields,
) -> User:
    """Change a staff account. A role change that ends supervision links
    (``supervision_links_ended_by_role_change``) needs ``supervision_end_accepted``: the
    supervisor stops seeing their supervisees' clients, alerts and risk answers included,
    and the supervisees are left unsupervised. The links end in this transaction,
    each audited, so no later role change brings them back.

    Making a supervisor's account active again reopens the links its deactivation
    suspended (``selectors.supervision_links_reopened_by_reactivation``), and needs
    ``supervision_reopen_accepted``: they see those therapists' clients again, alerts and
    risk answers included, perhaps months later and after the supervision was handed to
    someone else. Each reopened link is audited. Either way the supervisees are told
    (``AccessNotice``): of each link suspended by a deactivation, and of each reopened.

    Making an account inactive while its own caseload has clients in an open episode
    (``selectors.left_behind_by_deactivation``) needs ``deactivation_accepted``: from then
    on only their supervisors, if any, see those clients, and nobody is their therapist.
    Whether alerts or risk answers wait plays no part: the admin would learn it from the
    refusal (DESIGN §5)."""
    _require_admin(actor)
    allowed = {"full_name", "role", "is_active", "is_trainee"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"cannot update {sorted(unknown)}")
    if (
        actor is not None
        and user.pk == actor.pk
        and (fields.get("is_active") is False or fields.get("role", Role.ADMIN) != Role.ADMIN)
    ):
        raise ValidationError("You cannot remove your own admin access.")
    _check_trainee(
        role=fields.get("role", user.role), is_trainee=fields.get("is_trainee", user.is_trainee)
    )
    # An admin sees no client data, so a therapist with clients cannot simply become one.
    if fields.get("role") == Role.ADMIN and user.role != Role.ADMIN and user.clients.exists():
        raise ValidationError(
            {"role": "Move this therapist's clients to a colleague first (Users, Move clients)."}
        )
    ending = supervision_links_ended_by_role_change(user=user, role=fields.get("role", user.role))
    if ending and not supervision_end_accepted:
        raise ValidationError(
            {
                "supervision_end_accepted": "This role change ends supervision links: tick "
                "the box to confirm, or keep the role."
            }
        )
    reopening = supervision_links_reopened_by_reactivation(
        user=user,
        role=fields.get("role", user.role),
        is_active=fields.get("is_active", user.is_active),
    )
    if reopening and not supervision_reopen_accepted:
        raise ValidationError(
            {
                "supervision_reopen_accepted": "Made active again, this supervisor sees "
                "their supervisees' clients again: tick the box to confirm, or remove the "
                "links that should stay ended first (Supervision)."
            }
        )
    _check_deactivation(
        user, is_active=fields.get("is_active", user.is_active), accepted=deactivation_accepted
    )
    suspending = _supervision_links_suspended_by_deactivation(
        user, role=fields.get("role", user.role), is_active=fields.get("is_active", user.is_active)
    )
    changes = _access_changes(user, fields)
    target = _update_target(user, fields)
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()
    audit_record(actor=actor, action=Action.UPDATE, target=target, request=request)
    for change in changes:
        account_access_changed(user, change=change, actor=actor, request=request)
    for link in ending:
        _supervision_link_end(actor=actor, link=link, request=request)
    for link in reopening:
        _supervision_link_reopened(actor=actor, link=link, request=request)
    for link in suspending:
        _notify(link.supervisee, AccessNoticeKind.SUPERVISOR_SUSPENDED, actor=actor, other=user)
    return user


def _supervision_links_suspended_by_deactivation(
    user: User, *, role: str, is_active: bool
) -> list[SupervisionLink]:
    """The links that making ``user`` inactive suspends, oldest first: each opens its
    supervisee's clients until then, and again once the account is made active (when the
    supervisee is told: ``_supervision_link_reopened``), so the supervisee is told of the
    suspension as well. A role change in the same save ends the links instead
    (``supervision_links_ended_by_role_change``, told as such)."""
    if not user.is_active or is_active or role != Role.SUPERVISOR or user.role != role:
        return []
    return list(
        SupervisionLink.objects.filter(
            supervisor=user, supervisee__clinic_id=F("supervisor__clinic_id")
        )
        .select_related("supervisee")
        .order_by("created_at", "pk")
    )


def _update_target(user: User, fields: dict) -> str:
    """What ``user_update`` changes, for the audit log: "user:2" alone made a deactivation
    and a reactivation look the same on the admin's page. Field names, and the role and
    whether the account is active, which are the access changed; never a name's text
    (e.g. "user:2:deactivated,role:therapist->supervisor", "user:2:full_name")."""
    parts = []
    if fields.get("is_active", user.is_active) != user.is_active:
        parts.append("reactivated" if fields["is_active"] else "deactivated")
    if fields.get("role", user.role) != user.role:
        parts.append(f"role:{user.role}->{fields['role']}")
    if fields.get("is_trainee", user.is_trainee) != user.is_trainee:
        parts.append("trainee:on" if fields["is_trainee"] else "trainee:off")
    if fields.get("full_name", user.full_name) != user.full_name:
        parts.append("full_name")
    return f"user:{user.pk}:{','.join(parts) or 'unchanged'}"


def _check_deactivation(user: User, *, is_active: bool, accepted: bool) -> None:
    """Refuse to make an account inactive over clients in an open episode of care, unless
    confirmed: a click on "Active" would otherwise leave them, their check-ins, alerts and
    risk answers without a therapist, and with nobody at all where no supervisor is linked.
    The refusal depends on the open episodes only: one that came and went with a risk
    answer or an alert would tell the admin, who sees no clinical fact, that one waits."""
    if accepted or not user.is_active or is_active:
        return
    if left_behind_by_deactivation(user):
        raise ValidationError(
            {
                "deactivation_accepted": "Made inactive, this account leaves clients in an "
                "open episode of care without their therapist: tick the box to confirm, or "
                "move the clients to a colleague first (Users, Move clients)."
            }
        )


def _access_changes(user: User, fields: dict) -> list[AccountChange]:
    """What ``user_update`` changes that ends access granted on the old terms (the API's
    tokens): a disabled account must stay shut when made active again, and a token made
    for one role must not carry over to another."""
    changes = []
    if "is_active" in fields and fields["is_active"] != user.is_active:
        changes.append(AccountChange.DEACTIVATED if user.is_active else AccountChange.REACTIVATED)
    if "role" in fields and fields["role"] != user.role:
        changes.append(AccountChange.ROLE)
    return changes


def supervision_links_ended_by_role_change(*, user: User, role: str) -> list[SupervisionLink]:
    """The supervision links that giving ``user`` the role ``role`` ends, oldest first.

    Any change of role ends the links in which ``user`` is the supervisor: a supervisor
    who becomes a therapist no longer supervises, and a link kept while they are not one
    would give them every supervisee's clients back, unasked, the day they are made a
    supervisor again (the access follows the link and the role: clinic.selectors). Links
    left from before this rule, on someone who is not a supervisor now, end the same way
    when they are made one. A clinic admin can be nobody's supervisee (they see no
    client), so the links in which ``user`` is supervised end too when the role changes to
    or from admin. Whoever should supervise after the change is linked again, explicitly.
    """
    if role == user.role:
        return []
    ends = Q(supervisor=user)
    if Role.ADMIN in (role, user.role):
        ends |= Q(supervisee=user)
    return list(
        SupervisionLink.objects.filter(ends)
        .select_related("supervisor", "supervisee")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class SupervisionChange:
    """Who oversees a moved caseload before and after the move (staff, never clients):
    the supervisors who see the clients, and apart the suspended ones (inactive accounts,
    who see nothing now and would again once made active)."""

    before: SupervisorsOf
    after: SupervisorsOf

    def no_longer_seeing(self, to_user: User) -> tuple[User, ...]:
        """Supervisors of the old therapist who lose sight of the clients (the new
        therapist, even if one of them, sees them as their therapist)."""
        return tuple(u for u in self.before.seeing if u not in self.after.seeing and u != to_user)

    def no_longer_suspended_over(self, to_user: User) -> tuple[User, ...]:
        """Suspended supervisors of the old therapist who, made active again, will not
        find these clients among those they see."""
        after = (*self.after.seeing, *self.after.suspended, to_user)
        return tuple(u for u in self.before.suspended if u not in after)


def clients_move_supervision_change(*, from_user: User, to_user: User) -> SupervisionChange | None:
    """How moving ``from_user``'s clients to ``to_user`` changes who supervises them, or
    None when the same supervisors see them after as before, and the same suspended ones
    would see them once made active."""
    return supervision_change(before=supervisors_of(from_user), after=supervisors_of(to_user))


def supervision_change(*, before: SupervisorsOf, after: SupervisorsOf) -> SupervisionChange | None:
    """``clients_move_supervision_change`` from supervisors already read (``supervisors_of``
    or ``supervisors_of_each``): a page that weighs many moves to one colleague (each
    referral offered to them) reads every supervisor once, not twice a move."""

    def ids(users) -> set[int]:
        return {u.pk for u in users}

    if ids(before.seeing) == ids(after.seeing) and ids(before.suspended) == ids(after.suspended):
        return None
    return SupervisionChange(before=before, after=after)


@transaction.atomic
def clients_move(
    *,
    actor,
    from_user: User,
    to_user: User,
    supervision_change_accepted: bool = False,
    request=None,
) -> int:
    """Give all of ``from_user``'s clients to ``to_user`` (a colleague leaving, a role
    change); returns how many. The admin who does it sees only the count, never the
    clients (DESIGN §5); each client's record says who moved them, and when.

    A move that changes who supervises the clients needs ``supervision_change_accepted``:
    otherwise the old supervisor silently stops seeing them, alerts and unreviewed risk
    answers included, and the new therapist may have no supervisor at all."""
    _require_admin(actor)
    if from_user.clinic_id != to_user.clinic_id or to_user.pk == from_user.pk:
        raise ValidationError({"to_user": "Choose another colleague of this clinic."})
    if not to_user.is_active or to_user.role not in (Role.THERAPIST, Role.SUPERVISOR):
        raise ValidationError(
            {"to_user": "Choose an active therapist or supervisor: they will see these clients."}
        )
    if not from_user.clients.exists():
        raise ValidationError("This person has no clients to move.")
    if (
        clients_move_supervision_change(from_user=from_user, to_user=to_user)
        and not supervision_change_accepted
    ):
        raise ValidationError(
            {
                "supervision_change_accepted": "This move changes who supervises these "
                "clients: tick the box to confirm, or link the new therapist to the same "
                "supervisor first (Supervision)."
            }
        )
    # The clients still with from_user, locked until the move commits: a referral accepted
    # meanwhile (matching's referral_accept locks the client too) either committed first,
    # and its client is no longer read here, or waits and then finds the client moved.
    # Read without the lock, the audit and both notices counted a client the referral had
    # just taken, which the UPDATE then left where it was (on PostgreSQL; SQLite has no
    # row locks, and one writer at a time).
    ids = list(from_user.clients.select_for_update().order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise ValidationError("This person has no clients to move.")
    from_user.clients.filter(pk__in=ids).update(therapist=to_user)
    audit_record_many(
        actor=actor,
        action=Action.UPDATE,
        target=f"client:therapist:user:{from_user.pk}->user:{to_user.pk}",
        client_ids=ids,
        request=request,
    )
    # Both therapists are told, by whom and how many (never which: each sees their own
    # caseload): a move is one way an admin could put a caseload under an account of theirs.
    _notify(
        to_user, AccessNoticeKind.CLIENTS_MOVED_IN, actor=actor, other=from_user, count=len(ids)
    )
    _notify(
        from_user, AccessNoticeKind.CLIENTS_MOVED_OUT, actor=actor, other=to_user, count=len(ids)
    )
    return len(ids)


@transaction.atomic
def supervision_link_create(
    *, actor, supervisor: User, supervisee: User, request=None
) -> SupervisionLink:
    _require_admin(actor)
    if supervisor.role != Role.SUPERVISOR:
        raise ValidationError({"supervisor": "Choose a user with the supervisor role."})
    if supervisee.role not in (Role.THERAPIST, Role.SUPERVISOR) or supervisee.pk == supervisor.pk:
        raise ValidationError({"supervisee": "Choose a therapist to supervise."})
    if supervisor.clinic_id != supervisee.clinic_id:
        raise ValidationError("Supervisor and supervisee must work in the same clinic.")
    try:
        with transaction.atomic():
            link = SupervisionLink.objects.create(supervisor=supervisor, supervisee=supervisee)
    except IntegrityError:
        raise ValidationError("This supervision link already exists.") from None
    audit_record(
        actor=actor, action=Action.CREATE, target=f"supervision:{link.pk}", request=request
    )
    _notify(supervisee, AccessNoticeKind.SUPERVISION_ADDED, actor=actor, other=supervisor)
    return link


@transaction.atomic
def supervision_link_delete(*, actor, link: SupervisionLink, request=None) -> None:
    _require_admin(actor)
    _supervision_link_end(actor=actor, link=link, request=request)


def _supervision_link_reopened(*, actor, link: SupervisionLink, request) -> None:
    """A suspended link opens the supervisee's clients again: an access granted anew, so
    the log names the two people (who may see whose clients from now on), like an end."""
    target = f"supervision:{link.pk}:user:{link.supervisor_id}->user:{link.supervisee_id}:reopened"
    audit_record(actor=actor, action=Action.UPDATE, target=target, request=request)
    _notify(link.supervisee, AccessNoticeKind.SUPERVISION_ADDED, actor=actor, other=link.supervisor)


def _supervision_link_end(*, actor, link: SupervisionLink, request) -> None:
    """Delete the link. The model keeps no ended links, so the audit event names the two
    people: once deleted, the link's id alone would say nothing about who supervised whom."""
    target = f"supervision:{link.pk}:user:{link.supervisor_id}->user:{link.supervisee_id}"
    supervisor, supervisee = link.supervisor, link.supervisee
    link.delete()
    audit_record(actor=actor, action=Action.DELETE, target=target, request=request)
    _notify(supervisee, AccessNoticeKind.SUPERVISION_REMOVED, actor=actor, other=supervisor)


def _actor_label(actor) -> str:
    """Who did it, as the notice names them: an admin by email (the name is theirs to
    choose), else the command line."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor.email
    return "cli"


#: The notices that are mailed too (templates/accounts/email/<prefix>_subject.txt and
#: _message.txt), when the clinic has a mail server: someone else can now sign in as the
#: user, the sign of an account being taken over, which its owner should hear of in their
#: mailbox at once, not at their next sign-in (by then it may be too late, or never, if
#: the new password keeps them out). The other kinds (a supervisor linked or unlinked,
#: clients moved, a supervisor made inactive) stay on the caseload alone: they change who
#: sees which records, not who can sign in as the user, come often in a clinic's
#: ordinary running and would teach staff to ignore these mails; and a mail about clients
#: would put the clinic's business in inboxes. No mail names a client.
_MAILED_NOTICES: dict[str, str] = {
    AccessNoticeKind.PASSWORD_SET: "accounts/email/password_set_by_other",
    AccessNoticeKind.MFA_RESET: "accounts/email/mfa_reset_by_other",
}


def _notify(
    user: User, kind: str, *, actor, other: User | None = None, count=None, mail: bool = True
) -> None:
    """Tell ``user``, on their caseload until they mark it seen, of a change to who can see
    their clients or sign in as them (``AccessNotice``). The audit log says so too, but
    only the admin, who may be the one who did it, reads that (DESIGN §5). A password set
    or second factors removed are mailed to them too (``_MAILED_NOTICES``; not with
    ``mail`` False), once the change is committed."""
    notice = AccessNotice.objects.create(
        user=user,
        kind=kind,
        actor=actor if isinstance(actor, User) else None,
        actor_label=_actor_label(actor),
        other_label=other.email if other is not None else "",
        count=count,
    )
    if mail and kind in _MAILED_NOTICES:
        # After the commit: no mail for a change rolled back, and a mail server that
        # fails cannot undo the change (access_notice_mail logs it and returns).
        transaction.on_commit(partial(access_notice_mail, notice))


def access_notice_mail(notice: AccessNotice) -> bool:
    """Mail ``notice`` (a kind of ``_MAILED_NOTICES``) to its user through the account
    adapter's mail path (allauth's templates and greeting, links on settings.BASE_URL):
    who did it, when, and whom to ask. Returns whether it was sent. A failure is logged
    without the address and swallowed: the admin's action is done and must stand."""
    from allauth.account.adapter import get_adapter
    from django.urls import reverse

    context = {
        "by": actor_name(notice.actor_label),
        "by_operator": access_notice_by(notice) == BY_OPERATOR,
        "timestamp": notice.created_at,
        "login_url": reverse("account_login"),
    }
    try:
        get_adapter().send_mail(_MAILED_NOTICES[notice.kind], notice.user.email, context)
    except Exception as error:  # noqa: BLE001 - any failure of the mail path, logged
        logger.warning(
            "access notice %s (%s) for user %s: email failed (%s)",
            notice.pk,
            notice.kind,
            notice.user_id,
            type(error).__name__,
        )
        return False
    return True


@transaction.atomic
def access_notices_mark_seen(*, user: User, ids=None) -> int:
    """Mark ``user``'s unseen notices seen (only those in ``ids`` if given: the ones the page
    showed, so one that came meanwhile stays); returns how many. Only their own: a notice
    is never marked seen for someone else. The notices stay, listed on the page "Who can
    see your clients" for 90 days."""
    from django.utils import timezone

    notices = AccessNotice.objects.filter(user=user, seen_at__isnull=True)
    if ids is not None:
        notices = notices.filter(pk__in=ids)
    return notices.update(seen_at=timezone.now())


@transaction.atomic
def mfa_reset(*, actor, user, request=None) -> int:
    """Remove every second factor of ``user`` (a lost or replaced phone), through allauth's
    model and its ``authenticator_removed`` signal; returns how many were removed.

    Whoever holds the phone may hold the account's other ways in too: the user's signed-in
    sessions end, and their API tokens are revoked through the same hook as a new password
    (``core.hooks.account_access_changed``). With MFA required by the clinic, the next
    sign-in sets up a new authenticator before anything else. Audited."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.signals import authenticator_removed

    removed = 0
    for authenticator in Authenticator.objects.select_for_update().filter(user=user):
        authenticator.delete()
        authenticator_removed.send(
            sender=Authenticator, request=None, user=user, authenticator=authenticator
        )
        removed += 1
    _end_sessions(user)
    audit_record(actor=actor, action=Action.DELETE, target=f"user:{user.pk}:mfa", request=request)
    account_access_changed(user, change=AccountChange.MFA_RESET, actor=actor, request=request)
    if removed:
        # Without them the password alone signs in, and whoever signs in first sets up the
        # next authenticator: the way to take the account over, so its owner is told, by
        # whom and when, as for a password set by someone else.
        _notify(user, AccessNoticeKind.MFA_RESET, actor=actor)
    return removed


def sign_in_pause_clear(*, user: User, request=None) -> bool:
    """Lift the pause on ``user``'s sign-in after too many wrong passwords, as far as it
    can be named from here: an admin has just set them a new password, which is what a
    reset by email does too, so the same counts go (the adapter's hook that allauth calls
    after a reset by email). Those are the account's ceiling from every address and the
    account's counts at the address of ``request`` (the admin's; in a clinic often the
    colleague's too; allauth clears that address's own count with them). The counts at any
    other address are stored under a hash of the account *and* that address, which nothing
    here knows: they end by themselves.

    Returns whether a pause was lifted: whether one of those counts had paused the
    account (so the admin or operator can tell the colleague they can sign in again now).

    No ``request`` (``rapport set-password``): a bare one from no address, so the account's
    ceiling goes, and its counts at no address (a server that receives none:
    docs/operations.md). The account is named after RAPPORT_BASE_URL's host whatever the
    request's (the adapter's ``_account_key``), so no host needs naming here."""
    from allauth.account.adapter import get_adapter
    from django.http import HttpRequest

    from rapport.accounts.adapter import ClinicAccountAdapter

    if request is None:
        request = HttpRequest()
    adapter = cast(ClinicAccountAdapter, get_adapter(request))
    paused = adapter.sign_in_paused(request, email=user.email)
    adapter._delete_login_attempts_cached_email(request, email=user.email)
    return paused


def _end_sessions(user) -> None:
    """Delete the database sessions signed in as ``user`` (Django keeps no index by user:
    each live session is decoded; a clinic has a few hundred at most)."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
