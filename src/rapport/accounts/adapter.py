"""How allauth treats staff accounts: no sign-up; failed logins throttled so that wrong
passwords from elsewhere do not lock a clinician out (settings.ACCOUNT_RATE_LIMITS); each
role lands where "/" sends it; and a password an admin set cannot be kept as one's own."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal import ratelimit
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from rapport.clinic.views import home

__all__ = ["LOGIN_FAILED_PER_ACCOUNT", "ClinicAccountAdapter"]

#: The per-account ceiling on failed logins: its rates are this entry of
#: settings.ACCOUNT_RATE_LIMITS (where the trade-off is explained).
LOGIN_FAILED_PER_ACCOUNT = "login_failed_account"


class ClinicAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic admin (or `rapport createuser`), never by sign-up."""

    def is_open_for_signup(self, request):
        return False

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Each role's landing page (a clinic admin may not open the caseload)."""
        return _landing_url(request)

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """On to the user's work once the password is theirs, rather than back to the form."""
        return _landing_url(request)

    def clean_password(self, password: str, user=None) -> str:
        """Refuse the password an admin set as the user's "own": the admin knows it, so
        keeping it would leave them able to sign in as this user (RequirePasswordChange)."""
        password = super().clean_password(password, user=user)
        if user is not None and user.must_change_password and user.check_password(password):
            raise ValidationError(
                _(
                    "This is the password your clinic admin set, so they know it. Choose "
                    "a new one that only you know."
                ),
                code="password_set_by_admin",
            )
        return password

    # Failed logins. allauth counts every attempt before checking the password and takes
    # the count back when the password is right; refused attempts check no password.

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """What the "key" rates of allauth's ``login_failed`` count per: the account at
        this address (the one allauth's "ip" rates count), so that failures from
        elsewhere never lock a clinician out here."""
        return f"{self._account_key(request, **credentials)}@{ratelimit.get_ip(request)}"

    def _account_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The account as allauth names it (site and lowercased sign-in email), whether or
        not it exists: the throttle must not tell."""
        return super()._get_login_attempts_cache_key(request, **credentials)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        # Per account at this address and per address first: an address that is already
        # throttled is refused before it can use up the account's ceiling.
        super().pre_authenticate(request, **credentials)
        ceiling = ratelimit.consume(
            request,
            app="allauth.account",
            action=LOGIN_FAILED_PER_ACCOUNT,
            key=self._account_key(request, **credentials),
        )
        if ceiling is None:
            # No password is checked, so this attempt does not count at this address.
            self._rollback_login_failed_rl_usage()
            raise self.validation_error("too_many_login_attempts")
        # A successful login takes back its count under every limit, the ceiling too.
        self._login_failed_rl_usage.usage.extend(ceiling.usage)

    def _delete_login_attempts_cached_email(self, request: HttpRequest, **credentials: Any) -> None:
        """After a password reset by email allauth clears the failed-login counts (the reset
        proved the mailbox and is rate-limited itself): the account's ceiling too."""
        super()._delete_login_attempts_cached_email(request, **credentials)
        ratelimit.clear(
            request,
            app="allauth.account",
            action=LOGIN_FAILED_PER_ACCOUNT,
            key=self._account_key(request, **credentials),
        )


def _landing_url(request: HttpRequest) -> str:
    """Where "/" sends this signed-in user: the home view alone decides each role's
    landing page, so signing in can never send a role somewhere it may not open."""
    return home(request)["Location"]
