"""Enforce a first password of one's own, and the clinic's "MFA required for all staff"
setting (and, once MFA is set up, offer the way on to where the user was going); end a
session a fixed time after its sign-in (settings.SESSION_MAX_HOURS)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.accounts.mfa import lacks_required_mfa

# Paths a signed-in user without MFA may still reach: set-up, logout, static, check-ins.
# The API authenticates by token, not by this session, and applies the rule itself.
# Compared with ``request.path_info``: ``request.path`` starts with the path the app is
# mounted at (SCRIPT_NAME, e.g. /rapport), so behind such a proxy no path would match and
# the set-up page would redirect to itself.
_ALLOWED_PREFIXES = ("/accounts/", "/static/", "/c/", "/api/")


#: Where a user sent to set up MFA was going (a page they asked for with GET), kept in their
#: session so the end of the set-up can offer the way on: signing in again from the clinic's
#: tablet leads to the client the therapist was with (checkins' tablet return), which would
#: otherwise be lost behind allauth's set-up pages. The page itself decides, when reached,
#: what this user may see there.
AFTER_MFA_SET_UP = "mfa_set_up_next"

#: The page allauth ends TOTP set-up on (the new recovery codes, to be saved first).
_SET_UP_ENDS_ON = "mfa_view_recovery_codes"

#: What checkins' tablet mode keeps in the session it hands the client (the client the
#: therapist left, ``rapport.checkins.views._TABLET_RETURN``; named here, not imported:
#: accounts imports no app built on it). Seen in a session, the browser is the clinic's
#: shared tablet, and the session says so (``SHARED_DEVICE``) for as long as it lasts: the
#: therapist's sign-in keeps it, the way back to the client takes the tablet key away. The
#: browser keeps saying so after the session (``SHARED_DEVICE_COOKIE``).
_TABLET_SESSION_KEY = "checkin_tablet_return"
SHARED_DEVICE = "on_shared_device"

#: The same mark kept by the browser itself, beyond the session: a signed cookie set when
#: tablet mode starts. The session goes with a sign-out, 30 idle minutes or a browser
#: restart, and the next sign-in on the same tablet would have been offered the recovery
#: codes again. Signed, so only tablet mode sets it (a made-up value is ignored; clearing the
#: browser's cookies does remove it, as it removes the rest), HttpOnly, Secure over HTTPS as the
#: session cookie, and kept a year, refreshed while tablet mode is used. It says only
#: "shared device", nothing of who used it.
SHARED_DEVICE_COOKIE = "rapport_shared_device"
_SHARED_DEVICE_SALT = "rapport.accounts.shared-device"
SHARED_DEVICE_MAX_AGE = 60 * 60 * 24 * 365


def _has_shared_device_cookie(request) -> bool:
    cookies = getattr(request, "COOKIES", None)
    if not cookies or SHARED_DEVICE_COOKIE not in cookies:
        return False
    value = request.get_signed_cookie(
        SHARED_DEVICE_COOKIE,
        default=None,
        salt=_SHARED_DEVICE_SALT,
        max_age=SHARED_DEVICE_MAX_AGE,
    )
    return value == "1"


def _session_says_shared(request) -> bool:
    session = getattr(request, "session", None)
    if session is None:
        return False
    return bool(session.get(SHARED_DEVICE)) or _TABLET_SESSION_KEY in session


#: allauth's pages that hand out recovery codes other than on screen: a file saved to the
#: shared tablet's downloads, or new codes. Refused on the shared device (see below).
_CODES_OFF_SCREEN = ("mfa_download_recovery_codes", "mfa_generate_recovery_codes")


def on_shared_device(request) -> bool:
    """Whether this request comes from the clinic's shared tablet: tablet mode started in
    this session, or in an earlier one on the same browser (``SHARED_DEVICE_COOKIE``)."""
    return _session_says_shared(request) or _has_shared_device_cookie(request)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _TABLET_SESSION_KEY in getattr(request, "session", {}):
            request.session[SHARED_DEVICE] = True
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(_ALLOWED_PREFIXES)
        ):
            if lacks_required_mfa(user):
                if request.method in ("GET", "HEAD"):
                    # request.path (with the mount path) and its query. Not escaped: a path
                    # starting "//" would read as another host, so whatever uses this value
                    # must keep its url_has_allowed_host_and_scheme check.
                    request.session[AFTER_MFA_SET_UP] = request.get_full_path()
                return redirect(reverse("mfa_activate_totp"))
            # A page reached with MFA in place: the way on was taken (or is moot).
            request.session.pop(AFTER_MFA_SET_UP, None)
        response = self.get_response(request)
        # Tablet mode starts in a view (checkins' hand-over puts the tablet key in the new
        # session), so the session is read again on the way out. Set while tablet mode is
        # under way (a year from its last use), or if the browser lost it meanwhile.
        session = getattr(request, "session", {})
        if _TABLET_SESSION_KEY in session or (
            _session_says_shared(request) and not _has_shared_device_cookie(request)
        ):
            response.set_signed_cookie(
                SHARED_DEVICE_COOKIE,
                "1",
                salt=_SHARED_DEVICE_SALT,
                max_age=SHARED_DEVICE_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
                path=settings.SESSION_COOKIE_PATH,
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """On the shared tablet, recovery codes are neither downloaded (the file would stay
        in the tablet's downloads for the next person who holds it) nor made anew: the
        codes page says where to see them instead."""
        match = request.resolver_match
        if match is not None and match.url_name in _CODES_OFF_SCREEN and on_shared_device(request):
            return redirect(reverse(_SET_UP_ENDS_ON))
        return None

    def process_template_response(self, request, response):
        """The page that ends the set-up (the recovery codes, which the user must be able
        to save before going on) offers "Continue" to where the user was going
        (``continue_url``, templates/mfa/recovery_codes/index.html).

        On the clinic's shared tablet it shows no code (``shared_device``): the codes open
        the account without the authenticator app, and on a device that a client holds
        next, a screen seen over a shoulder or a downloaded file would hand them on. The
        therapist sees them on a device of their own (Security, Recovery codes), where they
        stay to be viewed; the way on to the client is offered all the same."""
        match = request.resolver_match
        if match is None or match.url_name != _SET_UP_ENDS_ON:
            return response
        context = dict(response.context_data or {})
        if on_shared_device(request):
            codes = context.get("unused_codes") or []
            context.update(
                {
                    "unused_codes": ["****" for _code in codes],
                    "can_view_codes": False,
                    "can_download_codes": False,
                    "can_generate_codes": False,
                    "shared_device": True,
                }
            )
            response.context_data = context
        if not request.user.is_authenticated or lacks_required_mfa(request.user):
            return response
        next_url = request.session.get(AFTER_MFA_SET_UP)
        if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            response.context_data = {**context, "continue_url": next_url}
        return response


#: Where a user sent to choose their own password was going (a page they asked for with
#: GET, e.g. the ``next`` of the sign-in page: the tablet's way back to the client the
#: therapist was with), kept in their session for the end of the change
#: (``ClinicAccountAdapter.get_password_change_redirect_url``), which checks it is on this
#: host before going there.
AFTER_PASSWORD_CHANGE = "password_change_next"  # noqa: S105 (a session key)


class RequirePasswordChangeMiddleware:
    """A password an admin set (``User.must_change_password``) opens one page: the one where
    the user chooses their own. Until then the admin, who knows it, could sign in as them.
    The page they were going to is remembered (``AFTER_PASSWORD_CHANGE``): the change leads
    on there rather than to the landing page."""

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
                _("Your password was set for you by someone else: choose your own to go on."),
            )
            if request.method in ("GET", "HEAD"):
                # As for AFTER_MFA_SET_UP: not escaped, so its reader checks the host.
                request.session[AFTER_PASSWORD_CHANGE] = request.get_full_path()
            return redirect(change)
        return self.get_response(request)


#: When this session's user signed in (seconds since the epoch), set at sign-in: the
#: idle timeout (SESSION_COOKIE_AGE, renewed by every request) alone would keep a session
#: that is used now and then open for ever, on a shared computer too.
SIGNED_IN_AT = "signed_in_at"
_ENDED_BY_SESSION_LIMIT = "_rapport_ended_by_session_limit"

# Paths a session past its limit still reaches unchanged: the client's check-in pages
# (a client answering on the clinic's tablet holds no staff session worth ending, and
# their answers must not be lost to a sign-in page), the API (token auth, not sessions)
# and static files.
_SESSION_LIMIT_EXEMPT = ("/c/", "/api/", "/static/")


def session_signed_in(request) -> None:
    """Called at sign-in (``user_logged_in``): the session's lifetime starts now."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = int(timezone.now().timestamp())


def ended_by_session_limit(request) -> bool:
    """Whether this sign-out is :class:`SessionLifetimeMiddleware` ending a session."""
    return bool(getattr(request, _ENDED_BY_SESSION_LIMIT, False))


class SessionLifetimeMiddleware:
    """A session ends ``settings.SESSION_MAX_HOURS`` after its sign-in, however active it
    has been: the user signs in again, told why, and comes back to the page they asked
    for. A session signed in before the sign-in time was kept starts counting on its next
    request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(_SESSION_LIMIT_EXEMPT)
        ):
            now = int(timezone.now().timestamp())
            signed_in_at = request.session.get(SIGNED_IN_AT)
            if not isinstance(signed_in_at, int):
                request.session[SIGNED_IN_AT] = now
            elif now - signed_in_at > settings.SESSION_MAX_HOURS * 3600:
                return self._end(request)
        return self.get_response(request)

    def _end(self, request):
        setattr(request, _ENDED_BY_SESSION_LIMIT, True)
        logout(request)  # audited as a sign-out for the session limit
        hours = settings.SESSION_MAX_HOURS
        messages.info(
            request,
            ngettext(
                "You were signed in for more than %(hours)d hour: sign in again to go on.",
                "You were signed in for more than %(hours)d hours: sign in again to go on.",
                hours,
            )
            % {"hours": hours},
        )
        login_url = reverse("account_login")
        if request.method in ("GET", "HEAD"):
            login_url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(login_url)
