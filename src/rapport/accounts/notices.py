"""The wording of ``AccessNotice``: what a clinician is told, on their caseload and on the
page "Who can see your clients", about a change an admin made to who can see their
clients or sign in as them. Staff emails, a count and a time; never a client."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.accounts.models import AccessNotice, AccessNoticeKind

__all__ = ["access_notice_by", "access_notice_text", "actor_name"]


def actor_name(label: str) -> str:
    """An account by its email (the name is the admin's to choose), or the command line."""
    if label in ("cli", "system", ""):
        return _("an operator at the command line")
    return label


#: Who made the change a notice tells of (``access_notice_by``): the caseload's note under
#: the notices says whom to ask, and that differs.
BY_ADMIN, BY_OPERATOR, BY_REFERRAL, BY_SELF = "admin", "operator", "referral", "self"


def _accepted_by_self(notice: AccessNotice) -> bool:
    """A colleague's referral this user accepted (matching's ``client_move_to``)."""
    return notice.kind == AccessNoticeKind.CLIENTS_MOVED_IN and notice.actor_id == notice.user_id


def _accepted_by_colleague(notice: AccessNotice) -> bool:
    """This user's referral, accepted by the colleague, who moved the client to themselves."""
    return notice.kind == AccessNoticeKind.CLIENTS_MOVED_OUT and notice.actor_label == (
        notice.other_label
    )


def access_notice_by(notice: AccessNotice) -> str:
    """Who made the change: a clinic admin, an operator at the command line
    (``rapport set-password``, ``rapport reset-mfa``), the colleague who accepted this
    user's referral, or this user (a referral they accepted)."""
    if _accepted_by_self(notice):
        return BY_SELF
    if _accepted_by_colleague(notice):
        return BY_REFERRAL
    if notice.actor_label in ("cli", "system", ""):
        return BY_OPERATOR
    return BY_ADMIN


def access_notice_text(notice: AccessNotice) -> str:
    count = notice.count or 0
    when = date_format(timezone.localtime(notice.created_at), "j M Y, H:i")
    names = {
        "actor": actor_name(notice.actor_label),
        "other": notice.other_label,
        "when": when,
        "count": count,
    }
    if notice.kind == AccessNoticeKind.SUPERVISION_ADDED:
        text = _(
            "%(when)s: %(actor)s linked %(other)s to you as your supervisor. They can "
            "now see all your clients' records."
        )
    elif notice.kind == AccessNoticeKind.SUPERVISION_REMOVED:
        text = _(
            "%(when)s: %(actor)s removed %(other)s as your supervisor. They no longer "
            "see your clients."
        )
    elif _accepted_by_self(notice):
        # A colleague's referral this user accepted (matching): their own act, said as such.
        text = ngettext(
            "%(when)s: you accepted %(count)d client referred to you by %(other)s.",
            "%(when)s: you accepted %(count)d clients referred to you by %(other)s.",
            count,
        )
    elif _accepted_by_colleague(notice):
        # The colleague who accepted this user's referral moved the client to themselves.
        text = ngettext(
            "%(when)s: %(other)s accepted your referral of %(count)d client, and sees "
            "their record from now on.",
            "%(when)s: %(other)s accepted your referral of %(count)d clients, and sees "
            "their records from now on.",
            count,
        )
    elif notice.kind == AccessNoticeKind.CLIENTS_MOVED_IN:
        text = ngettext(
            "%(when)s: %(actor)s moved %(count)d client to you from %(other)s.",
            "%(when)s: %(actor)s moved %(count)d clients to you from %(other)s.",
            count,
        )
    elif notice.kind == AccessNoticeKind.CLIENTS_MOVED_OUT:
        text = ngettext(
            "%(when)s: %(actor)s moved %(count)d of your clients to %(other)s, who sees "
            "their records from now on.",
            "%(when)s: %(actor)s moved %(count)d of your clients to %(other)s, who sees "
            "their records from now on.",
            count,
        )
    elif notice.kind == AccessNoticeKind.SUPERVISOR_SUSPENDED:
        text = _(
            "%(when)s: %(actor)s made the account of %(other)s, your supervisor, inactive. "
            "They see none of your clients now, and will again if the account is made active."
        )
    elif notice.kind == AccessNoticeKind.MFA_RESET:
        text = _(
            "%(when)s: %(actor)s removed your account's second factors (authenticator app "
            "and recovery codes) and ended your sessions. Whoever knew your password could "
            "then sign in as you and set up an authenticator of their own; if you did not set "
            "up a new one yourself straight after, ask who did."
        )
    else:
        text = _(
            "%(when)s: %(actor)s set a password for your account. Whoever knew it could "
            "sign in as you until a new one was chosen; if you did not choose it yourself "
            "straight after, ask who did."
        )
    return text % names
