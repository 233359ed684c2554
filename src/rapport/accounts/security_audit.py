"""Sign-ins and a staff member's own account-security changes, in the audit log.

DESIGN §5 logs every read and write of client data; who got in, who tried and failed, and
who changed the way in (a password, a second factor) is what an investigation of such a
read asks first. These rows are written here, through :func:`rapport.audit.services.audit_record`,
from the signals of Django (signed in, failed, signed out) and allauth (own password
changed, reset by email or set; authenticator added, removed, reset or used), connected in
:mod:`rapport.accounts.apps`; a refused attempt (the login throttle) is written by the
account adapter. An admin's or the command line's changes to someone else's account are
written by :mod:`rapport.accounts.services` as before, never twice.

Each row is about one account, its actor: the target names it too
(``auth:user:<id>:sign-in``), so the row is filed under the account's clinic. The prefix
``auth:`` keeps these rows apart from an admin's changes to a user (``user:<id>:…``).
Nothing typed is stored: no password, no code, and for an email that is no account's, not
the email either (the typed address of no known person, perhaps a colleague's mistyped
one, is personal data the log has no use for): the actor is "unknown account", the target
says what was tried, and the address the attempt came from is kept as for every row.
Such rows belong to no clinic (``rapport.audit.scope``): an operator reads them in the
database, no clinic's admin does.

The admin's page shows each of these rows in words, what happened and whose account
(:func:`security_event_words`: "Signed in — Alex Example"), as it words an admin's change to
an account ("Set a new password — Alex Example"), with the stored action and target on a
smaller line under them ("Created · auth:user:12:sign-in").
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rapport.audit.services import Action, audit_record
from rapport.core.http import client_ip

if TYPE_CHECKING:
    from rapport.accounts.models import User

__all__ = [
    "UNKNOWN_ACCOUNT",
    "authenticator_added",
    "authenticator_removed",
    "authenticator_reset",
    "authenticator_used",
    "mfa_code_rejected",
    "own_password_chosen",
    "security_event_account",
    "security_event_label",
    "security_event_user_id",
    "security_event_words",
    "sign_in_failed",
    "sign_in_refused",
    "signed_in",
    "signed_out",
]

#: The actor of a failed or refused sign-in with an email that is no account's.
UNKNOWN_ACCOUNT = "unknown account"

# What each row says after ``auth:user:<id>:``, and how the admin's page words it.
SIGN_IN = "sign-in"
SIGN_IN_FAILED = "sign-in-failed"
SIGN_IN_FAILED_MFA = "sign-in-failed:mfa-code"
SIGN_IN_REFUSED = "sign-in-refused"
SIGN_OUT = "sign-out"
SIGN_OUT_SESSION_LIMIT = "sign-out:session-limit"
OWN_PASSWORD = {
    "changed": "own-password:changed",
    "reset": "own-password:reset-by-email",
    "set": "own-password:set",
}
RECOVERY_CODE_USED = "mfa:recovery-code:used"
RECOVERY_CODES_REGENERATED = "mfa:recovery-codes:regenerated"

_LABELS = {
    SIGN_IN: _("Signed in"),
    SIGN_IN_FAILED: _("Sign-in failed: wrong password"),
    SIGN_IN_FAILED_MFA: _("Wrong two-factor code"),
    SIGN_IN_REFUSED: _("Sign-in refused: too many failed attempts"),
    SIGN_OUT: _("Signed out"),
    SIGN_OUT_SESSION_LIMIT: _("Signed out: signed in too long"),
    OWN_PASSWORD["changed"]: _("Changed own password"),
    OWN_PASSWORD["reset"]: _("Reset own password by email"),
    OWN_PASSWORD["set"]: _("Set own password"),
    "mfa:totp:added": _("Turned on two-factor authentication"),
    "mfa:totp:removed": _("Turned off two-factor authentication"),
    "mfa:recovery-codes:added": _("Recovery codes made"),
    "mfa:recovery-codes:removed": _("Recovery codes removed"),
    RECOVERY_CODES_REGENERATED: _("Generated new recovery codes"),
    RECOVERY_CODE_USED: _("Used a recovery code"),
}
PREFIX = "auth:"
UNKNOWN_FAILED = f"{PREFIX}unknown-account:{SIGN_IN_FAILED}"
UNKNOWN_REFUSED = f"{PREFIX}unknown-account:{SIGN_IN_REFUSED}"
_UNKNOWN_TARGETS = {
    UNKNOWN_FAILED: _("Sign-in failed: unknown account"),
    UNKNOWN_REFUSED: _("Sign-in refused: too many failed attempts"),
}
_USER_TARGET = re.compile(r"auth:user:([1-9][0-9]*):(.+)")


def security_event_label(target: str) -> str | None:
    """How the admin's Audit page words the action of a row written here (None for any
    other row, which keeps the page's usual wording)."""
    match = _USER_TARGET.fullmatch(target)
    label = _LABELS.get(match.group(2)) if match else _UNKNOWN_TARGETS.get(target)
    return str(label) if label is not None else None


def security_event_user_id(target: str) -> int | None:
    """The id of the account a row written here is about (``auth:user:<id>:…``), or None."""
    match = _USER_TARGET.fullmatch(target)
    return int(match.group(1)) if match else None


def security_event_account(target: str, names: dict[int, str]) -> str | None:
    """The account of a row written here, in words: its user's name (their email where
    they have none) from ``names`` (the user ids of the admin's clinic, read once for the
    page), "Deleted account" for an id no longer there, "Unknown account" for an email that
    was no account's. None for any other row."""
    user_id = security_event_user_id(target)
    if user_id is not None:
        name = names.get(user_id)
        return name if name is not None else gettext("Deleted account")
    if target in _UNKNOWN_TARGETS:
        return gettext("Unknown account")
    return None


def security_event_words(target: str, names: dict[int, str]) -> str | None:
    """What the admin's Audit page says a row written here was, in words: what happened
    and whose account ("Signed in — Alex Example", "Sign-in failed: wrong password —
    Deleted account"); the page keeps the stored target on a line under it. None for any
    other row. An ending without words of its own (a kind of second factor added later)
    reads as an account-security change, never as the stored target alone."""
    account = security_event_account(target, names)
    if account is None:
        return None
    label = security_event_label(target) or gettext("Account security change")
    return f"{label} — {account}"


def _record(*, user, action: str, what: str, request) -> None:
    audit_record(
        actor=user, action=action, target=f"{PREFIX}user:{user.pk}:{what}", request=request
    )


def signed_in(*, user, request) -> None:
    _record(user=user, action=Action.CREATE, what=SIGN_IN, request=request)


def signed_out(*, user, request, session_limit: bool = False) -> None:
    what = SIGN_OUT_SESSION_LIMIT if session_limit else SIGN_OUT
    _record(user=user, action=Action.DELETE, what=what, request=request)


def _account(email) -> User | None:
    """The account a sign-in form's email names (as allauth finds it: any case), or None."""

    from rapport.accounts.models import User

    if not isinstance(email, str) or not email.strip():
        return None
    return User.objects.filter(email__iexact=email.strip()).first()


def sign_in_failed(*, email, request) -> None:
    """A wrong password (or an email that is no account's): one row, naming the account,
    or "unknown account" without the email typed."""
    _attempt_record(_account(email), request, what=SIGN_IN_FAILED, unknown=UNKNOWN_FAILED)


def _attempt_record(user, request, *, what: str, unknown: str) -> None:
    """One row for a sign-in attempt that did not succeed: the account's, or "unknown
    account" (never the email typed) under ``unknown``."""
    if user is None:
        audit_record(actor=UNKNOWN_ACCOUNT, action=Action.UPDATE, target=unknown, request=request)
        return
    _record(user=user, action=Action.UPDATE, what=what, request=request)


#: A refused attempt costs the attacker nothing (no password is checked), so refusals are
#: recorded once per account (or once for unknown accounts) per address per window: the
#: log shows the lock-out, not each of a flood of attempts, and cannot be filled by one.
REFUSAL_RECORD_WINDOW_SECONDS = 5 * 60


def sign_in_refused(*, email, request) -> None:
    """The login throttle refused an attempt before checking any password."""
    user = _account(email)
    who = f"user:{user.pk}" if user is not None else "unknown"
    address = client_ip(request) if request is not None else None
    mark = hashlib.sha256(f"{who}|{address}".encode()).hexdigest()[:32]
    if not cache.add(f"rapport:sign-in-refused:{mark}", 1, REFUSAL_RECORD_WINDOW_SECONDS):
        return
    _attempt_record(user, request, what=SIGN_IN_REFUSED, unknown=UNKNOWN_REFUSED)


def own_password_chosen(*, user, request, how: str) -> None:
    """``how``: "changed" (knowing the old one), "reset" (by the email link) or "set"."""
    _record(user=user, action=Action.UPDATE, what=OWN_PASSWORD[how], request=request)


def _kind(authenticator) -> str:
    # allauth's types ("totp", "recovery_codes", "webauthn") as target words.
    return str(authenticator.type).replace("_", "-")


def authenticator_added(*, user, authenticator, request) -> None:
    _record(
        user=user, action=Action.CREATE, what=f"mfa:{_kind(authenticator)}:added", request=request
    )


def authenticator_removed(*, user, authenticator, request) -> None:
    _record(
        user=user,
        action=Action.DELETE,
        what=f"mfa:{_kind(authenticator)}:removed",
        request=request,
    )


def authenticator_reset(*, user, request) -> None:
    """New recovery codes (the old ones stop working)."""
    _record(user=user, action=Action.UPDATE, what=RECOVERY_CODES_REGENERATED, request=request)


def authenticator_used(*, user, request) -> None:
    """A recovery code was used (each works once): written for recovery codes only; a code
    from the authenticator app is part of the sign-in row."""
    _record(user=user, action=Action.UPDATE, what=RECOVERY_CODE_USED, request=request)


def mfa_code_rejected(*, user, request) -> None:
    _record(user=user, action=Action.UPDATE, what=SIGN_IN_FAILED_MFA, request=request)
