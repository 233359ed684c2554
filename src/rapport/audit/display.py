"""The words of the clinic admin's Audit page for an event about users and settings.

The stored target (``user:7:deactivated``, ``clinic-settings:require_mfa``,
``alerts-recompute:clinic:1``) is what an investigation needs, but it is no sentence a
clinic admin reads: each row says what happened in words ("Made account inactive — Sam
Lee", "Changed clinic settings"), and the page keeps the stored action and target on a
smaller line under them. Events about a client's record never come here: the page shows
them coarsely (:func:`rapport.audit.selectors.is_client_data`). Sign-ins and a staff
member's own security changes (``auth:…``) are worded by
:func:`rapport.accounts.security_audit.security_event_words`.

Plain Python over the stored strings: the names a row shows (a user's, a strategy's
title) are read with the page, once for all its rows, by :mod:`rapport.audit.selectors`.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapport.audit.models import Action

__all__ = ["DELETED_ACCOUNT", "event_detail", "settings_event_words"]

#: How a row names a user id that is no user of the clinic (any more).
DELETED_ACCOUNT = gettext_lazy("Deleted account")

_VERBS: dict[str, Promise] = {
    Action.VIEW: gettext_lazy("Viewed"),
    Action.CREATE: gettext_lazy("Created"),
    Action.UPDATE: gettext_lazy("Changed"),
    Action.DELETE: gettext_lazy("Deleted"),
    Action.EXPORT: gettext_lazy("Exported"),
    Action.SUBMIT: gettext_lazy("Submitted"),
}

# Pages without a client whose view is audited (audit.services.audit_page_view and the
# views that write ``page:<url name>`` themselves), by their heading.
_PAGES = {
    "clients_access": gettext_lazy("Viewed “Who can see your clients”"),
}

# Targets by their first part: the words for each action (None: any action).
_SIMPLE: dict[str, dict[str | None, Promise]] = {
    "clinic-settings": {None: gettext_lazy("Changed clinic settings")},
    "checkin-schedule": {None: gettext_lazy("Changed check-in settings")},
    "wording": {
        Action.DELETE: gettext_lazy("Removed questionnaire wording"),
        None: gettext_lazy("Loaded questionnaire wording"),
    },
    "matching-profile": {None: gettext_lazy("Changed matching profile")},
    "guidance-library": {None: gettext_lazy("Updated the guidance library")},
    "alerts-recompute": {None: gettext_lazy("Checked time-based alerts (scheduled run)")},
    "dropout-calibration": {None: gettext_lazy("Recalibrated the dropout-risk model")},
    "trajectory-calibration": {None: gettext_lazy("Recalibrated the expected-response model")},
    "calibration-history": {None: gettext_lazy("Viewed the calibration history")},
    "report": {
        Action.EXPORT: gettext_lazy("Exported a clinic report"),
        None: gettext_lazy("Viewed a clinic report"),
    },
    "supervision": {
        Action.CREATE: gettext_lazy("Added a supervision link"),
        Action.DELETE: gettext_lazy("Ended a supervision link"),
        None: gettext_lazy("Changed a supervision link"),
    },
}

# What one change to an account says (accounts.services._update_target), when it is the
# only change; several read "Changed account".
_ACCOUNT_CHANGES = {
    "deactivated": gettext_lazy("Made account inactive"),
    "reactivated": gettext_lazy("Made account active again"),
    "full_name": gettext_lazy("Changed name"),
    "trainee:on": gettext_lazy("Marked as trainee"),
    "trainee:off": gettext_lazy("No longer marked as trainee"),
    "unchanged": gettext_lazy("Saved account without changes"),
}


def event_detail(action_label: str, target: str) -> str:
    """The precise record under the words: the stored action and target ("Changed ·
    user:7:deactivated"), for an admin investigating an incident."""
    return f"{action_label} · {target}"


def _with(words, name: str | None) -> str:
    return f"{words} — {name}" if name else str(words)


def settings_event_words(
    *, action: str, target: str, user_name: str | None = None, strategy_title: str | None = None
) -> str:
    """The words of one event about users or settings. ``user_name``: the name of the one
    user the target is about (``user:<id>…``, ``api-token:<n>:user:<id>…``), or
    :data:`DELETED_ACCOUNT` for an id that is no user of the clinic; ``strategy_title`` for
    a change to the guidance library."""
    head, _sep, rest = target.partition(":")
    if head == "user":
        return _with(_user_words(action, rest.partition(":")[2]), user_name)
    if head == "api-token":
        if action == Action.CREATE:
            words = _("Created an API token")
        elif ":revoked" in rest:
            words = _("Revoked an API token")
        else:
            words = _("Changed an API token")
        return _with(words, user_name)
    if head == "strategy":
        return _with(_strategy_words(action, rest.partition(":")[2]), _quoted(strategy_title))
    if head == "supervision" and target.endswith(":reopened"):
        return _("Reopened a supervision link")
    if head == "page" and action == Action.VIEW:
        return str(_PAGES.get(rest, _("Viewed a page")))
    by_action = _SIMPLE.get(head)
    if by_action is not None:
        return str(by_action.get(action, by_action[None]))
    # Anything else: the verb and the target's first part in words, never nothing.
    verb = _VERBS.get(action, action)
    return f"{verb}: {head.replace('-', ' ').replace('_', ' ')}"


def _user_words(action: str, what: str) -> str:
    if action == Action.CREATE:
        return _("Created account")
    if what == "password":
        return _("Set a new password")
    if what == "mfa":
        return _("Reset two-factor authentication")
    if what in _ACCOUNT_CHANGES:
        return str(_ACCOUNT_CHANGES[what])
    if what.startswith("role:") and "," not in what:
        return _("Changed role")
    return _("Changed account")


def _strategy_words(action: str, what: str) -> str:
    if action == Action.CREATE:
        return _("Added a strategy")
    if what == "disabled":
        return _("Turned off a strategy")
    if what == "enabled":
        return _("Turned on a strategy")
    if what == "safety-narrowed":
        return _("Narrowed a safety step")
    return _("Changed a strategy")


def _quoted(title: str | None) -> str | None:
    return f"“{title}”" if title else None
