"""Enforce the clinic's "MFA required for all staff" setting."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

from rapport.accounts.mfa import lacks_required_mfa

# Paths a signed-in user without MFA may still reach: set-up, logout, static, check-ins.
# The API authenticates by token, not by this session, and applies the rule itself.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/c/", "/api/")


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and lacks_required_mfa(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
