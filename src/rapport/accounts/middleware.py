"""Enforce the clinic's "MFA required for all staff" setting."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

# Paths a signed-in user without MFA may still reach: set-up, logout, static, check-ins.
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
            and _mfa_required(user)
            and not _has_mfa(user)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _mfa_required(user) -> bool:
    clinic = getattr(user, "clinic", None)
    return bool(clinic and clinic.require_mfa)


def _has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
