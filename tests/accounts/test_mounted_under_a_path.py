"""Behind a proxy that mounts Rapport under a path (SCRIPT_NAME /rapport, or
FORCE_SCRIPT_NAME), the sign-in rules compare the path within the app (``path_info``):
``request.path`` starts with /rapport, so no allowed path matched and the page to set up
TOTP, which MFA-required staff are sent to, redirected to itself."""

from __future__ import annotations

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import clear_script_prefix
from tests.conftest import PASSWORD

MOUNT = "/rapport"
TOTP_SETUP = "/accounts/2fa/totp/activate/"


def served(client, path, *, script_name=MOUNT):
    """The request as a WSGI server passes it on: through Django's WSGI handler, which
    (unlike the test client) sets the script prefix reverse() builds URLs with."""
    request = RequestFactory().get(path)
    environ = dict(request.environ, SCRIPT_NAME=script_name)
    environ["HTTP_COOKIE"] = client.cookies.output(header="", sep=";").strip()
    # As the test client does: the handler's request signals would close the database
    # connection, and with it the test's transaction (on PostgreSQL; SQLite's in-memory
    # database ignores the close).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return WSGIHandler()(environ, lambda status, headers, exc_info=None: None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        clear_script_prefix()


@pytest.fixture
def mfa_required(clinic):
    clinic.require_mfa = True
    clinic.save()


def signed_in(client, user):
    """Signed in, and the password given again, as allauth asks before a security change."""
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    return client


@pytest.mark.django_db
def test_under_a_path_staff_without_mfa_reach_the_totp_set_up(client, therapist_a, mfa_required):
    http = signed_in(client, therapist_a)
    page = served(http, TOTP_SETUP)
    assert page.status_code == 200, page.get("Location")
    assert 'name="code"' in page.content.decode()  # allauth's form to confirm a TOTP code
    # Every other page still sends them there, at the mounted address.
    caseload = served(http, "/caseload/")
    assert caseload.status_code == 302
    assert caseload["Location"] == MOUNT + TOTP_SETUP


@pytest.mark.django_db
def test_with_force_script_name_staff_without_mfa_reach_the_totp_set_up(
    client, therapist_a, mfa_required, settings
):
    http = signed_in(client, therapist_a)
    settings.FORCE_SCRIPT_NAME = MOUNT
    page = served(http, TOTP_SETUP, script_name="")
    assert page.status_code == 200, page.get("Location")
    assert 'name="code"' in page.content.decode()  # allauth's form to confirm a TOTP code
    # Every other page still sends them there, at the forced address.
    caseload = served(http, "/caseload/", script_name="")
    assert caseload.status_code == 302
    assert caseload["Location"] == MOUNT + TOTP_SETUP


@pytest.mark.django_db
def test_under_a_path_an_admin_set_password_still_lets_one_sign_out(login, therapist_a):
    therapist_a.must_change_password = True
    therapist_a.save()
    http = login(therapist_a)
    # The page to choose one's own is reached, not a redirect to itself ...
    assert served(http, "/accounts/password/change/").status_code == 200
    # ... and so is the page to sign out (its form posts; a GET shows it).
    logout = served(http, "/accounts/logout/")
    assert logout.status_code == 200, logout.get("Location")
    assert 'action="/rapport/accounts/logout/"' in logout.content.decode()
