"""How allauth treats staff accounts: no sign-up; failed logins throttled so that wrong
passwords from elsewhere do not lock a clinician out (settings.ACCOUNT_RATE_LIMITS); each
role lands where "/" sends it; a password an admin set cannot be kept as one's own; and
every address in an email is on settings.BASE_URL, never on the request's Host header."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from allauth.account import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.accounts.middleware import AFTER_PASSWORD_CHANGE
from rapport.accounts.security_audit import sign_in_refused
from rapport.clinic.views import home
from rapport.core.http import client_ip

__all__ = [
    "LOGIN_FAILED_PER_ACCOUNT",
    "NO_ADDRESS",
    "ClinicAccountAdapter",
    "codes_paused_message",
    "on_base_url",
    "sign_in_paused_message",
]

logger = logging.getLogger(__name__)

#: The per-account ceiling on failed logins: its rates are this entry of
#: settings.ACCOUNT_RATE_LIMITS (where the trade-off is explained).
LOGIN_FAILED_PER_ACCOUNT = "login_failed_account"


#: The address allauth's throttle counts a request under when none reached the server (a
#: unix-socket bind behind a proxy that sends no X-Forwarded-For).
NO_ADDRESS = "unknown"


class ClinicAccountAdapter(DefaultAccountAdapter):
    """Staff accounts are created by a clinic admin (or `rapport createuser`), never by sign-up."""

    def is_open_for_signup(self, request):
        return False

    @property
    def error_messages(self) -> dict:  # type: ignore[override]
        """allauth's messages, with those staff meet in the app's words: a sign-in refused
        by the throttle says how long to wait and whom to ask (allauth's said "Too many
        failed login attempts. Try again later."), a wrong current password on the
        password change page says so (allauth's said "Please type your current
        password.", to someone who had typed one), and a wrong email or password on the
        sign-in page says it plainly (allauth's said "The email address and/or password
        you specified are not correct."); it still does not say which of the two; and a
        wrong password on the confirm access page says what to type (allauth's said
        "Incorrect password."). On the two-factor code pages, allauth's pause after too
        many wrong codes (its "login_failed" limits, counted per user there) speaks of
        codes, not passwords (``codes_paused_message``): there it also stands for its
        "rate_limited" ("Be patient, you are sending too many requests.")."""
        on_code_page = _url_name(allauth_context.request) in _CODE_PAGES
        paused = codes_paused_message() if on_code_page else sign_in_paused_message()
        return {
            **DefaultAccountAdapter.error_messages,
            **({"rate_limited": paused} if on_code_page else {}),
            "too_many_login_attempts": paused,
            "enter_current_password": _("That is not your current password."),
            "email_password_mismatch": _("The email address or password is not correct."),
            "incorrect_password": _(
                "That is not your password. Type the password you sign in with."
            ),
        }

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Each role's landing page (a clinic admin may not open the caseload)."""
        return _landing_url(request)

    def is_safe_url(self, url: str) -> bool:
        """Whether ``url`` (a ``next`` after signing in or out) may be followed: a path, or
        an address on the host this request came to, and over HTTPS when it came over
        HTTPS. allauth also accepts every host of ALLOWED_HOSTS (and of
        CSRF_TRUSTED_ORIGINS): with ".example.org" there, any subdomain of it, so a sign-in
        link with ``next=https://evil.example.org/`` would send a clinician who has just
        signed in to whoever holds that subdomain."""
        request = allauth_context.request
        return url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        """On to the user's work once the password is theirs, rather than back to the form:
        the page they were going to when the change was forced on them (the ``next`` of the
        sign-in page, such as the tablet's way back to the client), if it is on this host,
        else their landing page."""
        next_url = request.session.pop(AFTER_PASSWORD_CHANGE, None)
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return next_url
        return _landing_url(request)

    def clean_password(self, password: str, user=None) -> str:
        """Refuse the password an admin set as the user's "own": the admin knows it, so
        keeping it would leave them able to sign in as this user (RequirePasswordChange)."""
        password = super().clean_password(password, user=user)
        if user is not None and user.must_change_password and user.check_password(password):
            raise ValidationError(
                _(
                    "This is the password that was set for you, so someone else knows it. "
                    "Choose a new one that only you know."
                ),
                code="password_set_by_admin",
            )
        return password

    # Mail. allauth builds the addresses in its emails from the request (its Host header;
    # django.contrib.sites is not installed), and so names the site after it. A request
    # sent with a foreign Host that ALLOWED_HOSTS lets through (".example.org" covers any
    # subdomain) would mail a real user a password-reset link to that host, which would
    # then receive the key: every address and name in a mail comes from settings.BASE_URL,
    # the public address check-in links use.

    def get_reset_password_from_key_url(self, key: str) -> str:
        # The key is "<uid>-<token>": allauth's own way of putting it in the URL.
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return on_base_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_base_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def format_email_subject(self, subject: str) -> str:
        prefix = allauth_settings.EMAIL_SUBJECT_PREFIX
        if prefix is None:
            prefix = f"[{mail_site().name}] "
        return prefix + str(subject)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """As allauth does, with the site named after BASE_URL and every ``*_url`` of the
        context (reset, sign-up, confirmation links; built by allauth from the request in
        flows that call no adapter method) moved onto BASE_URL."""
        ctx = {"request": allauth_context.request, "email": email, **context}
        for key, value in ctx.items():
            # The reset link is already on BASE_URL (get_reset_password_from_key_url).
            on_base = isinstance(value, str) and value.startswith(f"{settings.BASE_URL}/")
            if key.endswith("_url") and isinstance(value, str) and not on_base:
                ctx[key] = on_base_url(value)
        ctx["current_site"] = mail_site()
        if template_prefix == "account/email/password_reset_key":
            ctx.update(reset_link_lifetime())
        msg = self.render_mail(template_prefix, email, ctx)
        msg.send()

    def send_notification_mail(self, template_prefix: str, user, context=None, email=None):
        """allauth's mail to the owner of an account whose password or two-factor set-up
        has just changed (settings.ACCOUNT_EMAIL_NOTIFICATIONS), but a mail server that
        fails is logged, without the address, and the change stands: allauth's would end
        the request in an error page after the change was saved (the password changed,
        the authenticator app turned on), and the person would think it had not been."""
        try:
            super().send_notification_mail(template_prefix, user, context=context, email=email)
        except Exception as error:  # noqa: BLE001 - any failure of the mail path, logged
            logger.warning(
                "%s for user %s: email failed (%s)",
                template_prefix,
                getattr(user, "pk", None),
                type(error).__name__,
            )

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address the audit log records (``core.http.client_ip``), which the login
        throttle counts per. allauth's own refuses the request (403 and a traceback) when
        the connection has no address, as over ``rapport serve --bind unix:...`` behind a
        proxy that sends no X-Forwarded-For, and raises when X-Forwarded-For has fewer
        entries than RAPPORT_TRUSTED_PROXIES. Without an address every such request counts
        under NO_ADDRESS: the "key" rates still count per account there (the account at
        NO_ADDRESS), while the "ip" rate is then shared by all of them
        (docs/operations.md says to send X-Forwarded-For)."""
        return client_ip(request) or NO_ADDRESS

    # Failed logins. allauth counts every attempt before checking the password and takes
    # the count back when the password is right; refused attempts check no password.

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """What the "key" rates of allauth's ``login_failed`` count per: the account at
        this address (the one allauth's "ip" rates count), so that failures from
        elsewhere never lock a clinician out here."""
        return f"{self._account_key(request, **credentials)}@{ratelimit.get_ip(request)}"

    def _account_key(self, request: HttpRequest, **credentials: Any) -> str:
        """The account as allauth names it (site and lowercased sign-in email), whether or
        not it exists: the throttle must not tell. The site is RAPPORT_BASE_URL's host, not
        the request's: allauth takes the ``Host`` header, so under a wildcard or a second
        allowed name (or another port, which the host check ignores) a paused account
        could be tried afresh by naming another host."""
        login = credentials.get("email", credentials.get("username", "")).lower()
        return f"{mail_site().domain}:{login}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """The throttle's check before a password is checked; a refusal is audited (once
        per account and address in a while: ``security_audit.sign_in_refused``)."""
        try:
            self._throttle(request, **credentials)
        except ValidationError as refusal:
            if refusal.code == "too_many_login_attempts":
                sign_in_refused(email=credentials.get("email"), request=request)
            raise

    def _throttle(self, request: HttpRequest, **credentials: Any) -> None:
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

    def sign_in_paused(self, request: HttpRequest, *, email: str) -> bool:
        """Whether the account with ``email`` is paused now by one of the counts that
        ``_delete_login_attempts_cached_email`` clears for ``request``: its counts at the
        request's address, or its ceiling from every address. A look only: nothing is
        counted (``dry_run``), so asking does not bring a pause nearer."""
        counts = (
            ("login_failed", self._get_login_attempts_cache_key(request, email=email)),
            (LOGIN_FAILED_PER_ACCOUNT, self._account_key(request, email=email)),
        )
        return any(
            ratelimit.consume(
                request,
                app="allauth.account",
                action=action,
                key=key,
                dry_run=True,
                limit_get=True,
            )
            is None
            for action, key in counts
        )

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


#: allauth's two-factor code pages (signing in, confirming access, setting up the app),
#: where its limit on wrong codes refuses with the account adapter's messages.
_CODE_PAGES = frozenset({"mfa_authenticate", "mfa_reauthenticate", "mfa_activate_totp"})


def _url_name(request: HttpRequest | None) -> str | None:
    match = getattr(request, "resolver_match", None)
    return None if match is None else match.url_name


def sign_in_paused_message() -> str:
    """What a sign-in refused by the throttle says: how long the shortest of the failed
    sign-in limits (settings.ACCOUNT_RATE_LIMITS) holds, and the longest, which many
    tries reach; then whom to ask."""
    return " ".join(
        [
            _("Too many wrong passwords, so signing in is paused."),
            _paused_for(("login_failed", LOGIN_FAILED_PER_ACCOUNT)),
            _("If you still cannot sign in, ask your clinic's administrator."),
        ]
    )


def codes_paused_message() -> str:
    """What a two-factor code refused by allauth's limit on wrong codes says: it counts
    under the "login_failed" limits (per user), so those say how long; then the way out
    for someone who no longer has the app (an admin turns two-factor off)."""
    return " ".join(
        [
            _("Too many wrong codes, so codes are not accepted for now."),
            _paused_for(("login_failed",)),
            _(
                "If you no longer have your authenticator app or your recovery codes, ask "
                "your clinic's administrator to turn two-factor authentication off for you."
            ),
        ]
    )


def _paused_for(actions: tuple[str, ...]) -> str:
    """How long the shortest of ``actions``' limits holds, and the longest, which many
    tries reach."""
    rates = [
        rate
        for action in actions
        for rate in ratelimit.parse_rates(settings.ACCOUNT_RATE_LIMITS.get(action))
    ]
    durations = sorted({int(rate.duration) for rate in rates}) or [300]
    shortest, longest = _duration_in_words(durations[0]), _duration_in_words(durations[-1])
    if shortest == longest:
        return _("Try again in %(wait)s.") % {"wait": shortest}
    return _("Try again in %(wait)s (up to %(longest)s after many tries).") % {
        "wait": shortest,
        "longest": longest,
    }


def _duration_in_words(seconds: int) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
    if seconds >= 60:
        minutes = -(-seconds // 60)  # rounded up: never promise a shorter wait
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}


@dataclass(frozen=True)
class MailSite:
    """What allauth's mail templates read from ``current_site``."""

    name: str
    domain: str


def reset_link_lifetime() -> dict[str, int]:
    """How long a reset link works (settings.PASSWORD_RESET_TIMEOUT), as the reset mail
    says it: ``reset_link_hours`` when it is whole hours, else ``reset_link_minutes``
    (rounded up: the mail never promises less time than the link has)."""
    seconds = int(settings.PASSWORD_RESET_TIMEOUT)
    if seconds % 3600 == 0:
        return {"reset_link_hours": seconds // 3600}
    return {"reset_link_minutes": -(-seconds // 60)}


def mail_site() -> MailSite:
    """The site as emails name it: the host (and port) of settings.BASE_URL."""
    host = urlsplit(settings.BASE_URL).netloc
    return MailSite(name=host, domain=host)


def on_base_url(url: str) -> str:
    """``url`` (a path from reverse(), or an address allauth built from the request) on
    settings.BASE_URL: only its path and query are kept.

    BASE_URL holds the path the app is mounted at (``https://host/rapport``), as the script
    prefix does for reverse() within a request: that prefix is replaced by BASE_URL."""
    parts = urlsplit(url)
    path = parts.path or "/"
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    query = f"?{parts.query}" if parts.query else ""
    return f"{settings.BASE_URL}{path}{query}"


def _landing_url(request: HttpRequest) -> str:
    """Where "/" sends this signed-in user: the home view alone decides each role's
    landing page, so signing in can never send a role somewhere it may not open."""
    return home(request)["Location"]
