"""The clinic's "MFA required for all staff" rule, in one place for every way in: the pages
(``RequireMFAMiddleware``) and API tokens (``rapport.api.selectors``)."""

from __future__ import annotations

__all__ = ["lacks_required_mfa"]


def lacks_required_mfa(user) -> bool:
    """Whether ``user``'s clinic requires MFA and the user has not set up an authenticator
    app yet: such a user may set it up, and reach nothing else."""
    clinic = getattr(user, "clinic", None)
    if not (clinic and clinic.require_mfa):
        return False
    from allauth.mfa.models import Authenticator

    return not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
