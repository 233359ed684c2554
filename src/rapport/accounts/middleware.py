"""Enforce a first password of one's own, and the clinic's "MFA required for all staff"
setting."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.accounts.mfa import lacks_required_mfa

# Paths a signed-in user without MFA may still reach: set-up, logout, static, check-ins.
# The API authenticates by token, not by this session, and applies the rule itself.
# Compared with ``request.path_info``: ``request.path`` starts with the path the app is
# mounted at (SCRIPT_NAME, e.g. /rapport), so behind such a proxy no path would match and
# the set-up page would redirect to itself.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/c/", "/api/")


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(_ALLOWED_PREFIXES)
            and lacks_required_mfa(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class RequirePasswordChangeMiddleware:
    """A password an admin set (``User.must_change_password``) opens one page: the one where
    the user chooses their own. Until then the admin, who knows it, could sign in as them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        change = reverse("account_change_password")
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            # reverse() starts with the mount path, as request.path does.
            and request.path != change
            and not request.path_info.startswith(("/accounts/logout/", "/static/", "/c/"))
        ):
            messages.info(
                request,
                _("Your password was set by a clinic admin: choose your own to go on."),
            )
            return redirect(change)
        return self.get_response(request)
