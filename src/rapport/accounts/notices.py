"""The wording of ``AccessNotice``: what a clinician is told, on their caseload and on the
page "Who can see your clients", about a change an admin made to who can see their
clients or sign in as them. Staff emails, a count and a time; never a client."""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.accounts.models import AccessNotice, AccessNoticeKind

__all__ = ["access_notice_text", "actor_name"]


def actor_name(label: str) -> str:
    """An account by its email (the name is the admin's to choose), or the command line."""
    if label in ("cli", "system", ""):
        return _("an operator at the command line")
    return label


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
