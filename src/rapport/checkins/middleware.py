"""Tablet mode: on the clinic's shared tablet, signed out, the sign-in page names no record.

Tablet mode signs the therapist out before the client holds the device
(:func:`rapport.checkins.views._hand_over`), but the browser's history keeps the staff pages
the therapist had open: the client's page the *Tablet* button was on, the caseload. Back from
the client's questions (or their thank-you page) asked for ``/clients/<id>/`` signed out, and
the sign-in check sent the browser to ``/accounts/login/?next=/clients/<id>/``: the address of
a client's record on the device a client holds, inviting them to try it with another number.

Here, on the shared tablet (:func:`rapport.accounts.middleware.on_shared_device`) and signed
out, the way to the sign-in page is the tablet's own way back, the same opaque address for
every client and every tablet (:func:`rapport.checkins.views._staff_return_url`): signing in
there leads to the client the therapist was with (``tablet_return``), or to the therapist's
landing page. Nothing is opened without signing in: only where the sign-in leads changes.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.shortcuts import redirect, resolve_url

from rapport.accounts.middleware import on_shared_device
from rapport.checkins.views import _staff_return_url

__all__ = ["TabletSignInMiddleware"]


class TabletSignInMiddleware:
    """Needs the session and the user (after ``AuthenticationMiddleware``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._applies(request):
            return self.get_response(request)
        neutral = _staff_return_url()
        login = resolve_url(settings.LOGIN_URL)
        # The sign-in page itself opened with another ``next`` (an entry of the tablet's
        # history that is already a sign-in address): the neutral one instead.
        if (
            request.method in ("GET", "HEAD")
            and request.path == login
            and _names_other(request.get_full_path(), neutral)
        ):
            return redirect(neutral)
        response = self.get_response(request)
        # A staff page asked for signed out: its redirect to the sign-in page, neutral.
        location = response.get("Location", "") if response.status_code in (301, 302) else ""
        if location and urlsplit(location).path == login and _names_other(location, neutral):
            response["Location"] = neutral
        return response

    @staticmethod
    def _applies(request) -> bool:
        user = getattr(request, "user", None)
        signed_out = user is None or not user.is_authenticated
        return signed_out and on_shared_device(request)


def _names_other(url: str, neutral: str) -> bool:
    """Whether the sign-in address ``url`` carries a ``next`` other than the neutral one's."""
    nexts = parse_qs(urlsplit(url).query).get("next")
    return bool(nexts) and nexts != parse_qs(urlsplit(neutral).query).get("next")
