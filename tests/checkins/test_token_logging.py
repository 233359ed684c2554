"""Security warnings name the request path, so they must not write a link's token either.

Uses the project's real logging configuration: the record goes through the configured
loggers and the console handler, and the test reads what that handler wrote.
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from rapport.lib.redact import REDACTED, RedactSecretPaths

TOKEN = "k3Jq-9xZ_secretTOKEN_0123456789abcdefghijklm"


@pytest.mark.django_db
def test_a_csrf_failure_on_a_secret_path_logs_no_secret(console_output):
    # A password-reset link (/accounts/password/reset/key/<key>/) posted without the CSRF
    # cookie: Django warns "Forbidden (CSRF cookie not set.): <path>" on django.security.csrf.
    # (The check-in page itself no longer checks CSRF; the same filter covers it.)
    http = Client(enforce_csrf_checks=True)
    response = http.post(f"/accounts/password/reset/key/1-{TOKEN}/", {"password1": "x"})
    assert response.status_code == 403
    written = console_output.getvalue()
    assert "Forbidden (CSRF cookie not set.)" in written
    assert TOKEN not in written
    assert f"/password/reset/key/{REDACTED}/" in written


@pytest.mark.parametrize(
    "name",
    [
        "django.security.csrf",
        "django.security.DisallowedHost",
        "django.security.SuspiciousOperation",
        "django.security.RequestDataTooBig",
        "django.request",
        "rapport.checkins.views",
    ],
)
def test_every_logger_writes_check_in_links_redacted(console_output, name):
    logging.getLogger(name).error("Forbidden (%s): %s", "CSRF cookie not set.", f"/c/{TOKEN}/")
    written = console_output.getvalue()
    assert TOKEN not in written
    assert f"/c/{REDACTED}/" in written


def test_no_handler_on_the_way_up_from_django_security_writes_unfiltered():
    # Django's own defaults put a DEBUG console and mail_admins on "django": they would see
    # a django.security record before the root's (filtered) console does.
    logger: logging.Logger | None = logging.getLogger("django.security.csrf")
    unfiltered = []
    while logger is not None:
        for handler in logger.handlers:
            if type(handler).__module__.startswith("_pytest"):
                continue  # pytest's own capture, not part of the configuration
            if not any(isinstance(f, RedactSecretPaths) for f in handler.filters):
                unfiltered.append(f"{logger.name}: {handler!r}")
        logger = logger.parent if logger.propagate else None
    assert unfiltered == []
