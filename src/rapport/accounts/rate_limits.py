"""How long a refusal by one of allauth's rate limits lasts, for the app's 429 page
(``429.html``: its words, and its Retry-After header).

allauth refuses a request past one of its limits (settings.ACCOUNT_RATE_LIMITS over its
defaults: sign-ins and password resets from one address, resets for one email address,
password changes, confirm access...) with that page, and tells it neither which limit nor
whose. Which *action* was limited is known from the page that was asked for; how long its
limits count is known from their rates ("5/m/key": five a minute). The wait said is the
longest window of that action's limits: by then every request they counted has left the
window, so the next one goes through. It can be sooner (the window slides); it is never
later, so a script that honours Retry-After is not refused again for the same requests.

The page says nothing of whose limit it was: a reset for an address with no account reads
the same as one for a staff member's (nothing here looks at the account or the address).
"""

from __future__ import annotations

import math

from allauth.core.internal.ratelimit import get_rates
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

__all__ = ["ACTIONS_ENDING_ON_A_429", "limited_action", "too_many_requests", "wait_seconds"]

#: allauth's limits that end on its 429 page (its ``rate_limit`` decorator and
#: ``consume_or_429`` on its account views). Its other limits (failed sign-ins, wrong
#: two-factor codes) are said on the form instead (``adapter.sign_in_paused_message``).
ACTIONS_ENDING_ON_A_429 = (
    "change_password",
    "change_phone",
    "confirm_email",
    "login",
    "manage_email",
    "reauthenticate",
    "reset_password",
    "reset_password_from_key",
    "signup",
)

#: The limit each page counts under, by its view's name (``ResolverMatch.view_name``: the
#: URL's name, or the view's dotted path where the route has none, as the app's own reset
#: page that stands in front of allauth's).
_ACTION_OF_PAGE = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "rapport.accounts.views.password_reset": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
    "account_set_password": "change_password",
    "account_reauthenticate": "reauthenticate",
    "mfa_reauthenticate": "reauthenticate",
    "account_email": "manage_email",
    "account_change_phone": "change_phone",
    "account_confirm_email": "confirm_email",
    "account_email_verification_sent": "confirm_email",
}

_APP = "allauth.account"


def limited_action(request: HttpRequest) -> str | None:
    """The allauth limit the page asked for counts under; None for a page not known here."""
    match = getattr(request, "resolver_match", None)
    return None if match is None else _ACTION_OF_PAGE.get(match.view_name)


def wait_seconds(request: HttpRequest) -> int | None:
    """Whole seconds until allauth's limits on this request's page let it through again
    at the latest; for a page not known here, the longest of all the limits that end on
    the 429 page. None if none of them has a rate (limits turned off)."""
    action = limited_action(request)
    actions = (action,) if action else ACTIONS_ENDING_ON_A_429
    windows = [rate.duration for name in actions for rate in get_rates(app=_APP, action=name)]
    return max(1, math.ceil(max(windows))) if windows else None


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's 429 (``rapport.urls.handler429``, which allauth looks up on the root
    URLconf): the app's page, with Retry-After when the wait is known."""
    response = render(request, "429.html", status=429)
    seconds = wait_seconds(request)
    if seconds is not None:
        response["Retry-After"] = str(seconds)
    return response
