"""A staff session ends a fixed time after its sign-in (RAPPORT_SESSION_MAX_HOURS, 12 by
default), however active: the idle timeout alone kept a session used now and then open
for ever. The client's check-in pages and the API (token auth) are not affected."""

from __future__ import annotations

import time
from html import unescape

import pytest
from tests.conftest import PASSWORD

from rapport import settings as production
from rapport.accounts.middleware import SIGNED_IN_AT
from rapport.audit.models import Action, AuditEvent

HOUR = 3600
MESSAGE = "You were signed in for more than 12 hours: sign in again to go on."


def _signed_in(client, user, *, hours_ago: float):
    assert (
        client.post("/accounts/login/", {"login": user.email, "password": PASSWORD}).status_code
        == 302
    )
    assert abs(client.session[SIGNED_IN_AT] - time.time()) < 60  # stamped at sign-in
    session = client.session
    session[SIGNED_IN_AT] = int(time.time() - hours_ago * HOUR)
    session.save()
    return client


def _is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_limit_is_twelve_hours_unless_configured():
    assert production.SESSION_MAX_HOURS == 12


@pytest.mark.django_db
def test_a_session_signed_in_thirteen_hours_ago_ends_and_says_why(client, therapist_a):
    http = _signed_in(client, therapist_a, hours_ago=13)
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    response = http.get("/caseload/?list=former")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fcaseload%2F%3Flist%3Dformer"
    assert not _is_signed_in(http)
    page = unescape(http.get(response["Location"]).content.decode())
    assert MESSAGE in page
    [row] = AuditEvent.objects.filter(pk__gt=before)
    assert (row.actor_id, row.action, row.target) == (
        therapist_a.pk,
        Action.DELETE,
        f"auth:user:{therapist_a.pk}:sign-out:session-limit",
    )
    # Signing in again starts a new session, with the way back to the page.
    again = http.post(response["Location"], {"login": therapist_a.email, "password": PASSWORD})
    assert again["Location"] == "/caseload/?list=former"
    assert http.get("/caseload/?list=former").status_code == 200


@pytest.mark.django_db
def test_a_form_sent_past_the_limit_is_not_acted_on(client, therapist_a):
    http = _signed_in(client, therapist_a, hours_ago=13)
    response = http.post("/clients/new/", {"display_name": "Someone New"})
    assert response["Location"] == "/accounts/login/"
    assert not therapist_a.clients.filter(display_name="Someone New").exists()


@pytest.mark.django_db
def test_a_session_eleven_hours_old_goes_on(client, therapist_a):
    http = _signed_in(client, therapist_a, hours_ago=11)
    assert http.get("/caseload/").status_code == 200
    assert _is_signed_in(http)


@pytest.mark.django_db
def test_the_limit_is_a_setting(client, therapist_a, settings):
    settings.SESSION_MAX_HOURS = 2
    http = _signed_in(client, therapist_a, hours_ago=3)
    assert http.get("/caseload/")["Location"].startswith("/accounts/login/")
    page = unescape(http.get("/accounts/login/").content.decode())
    assert "You were signed in for more than 2 hours: sign in again to go on." in page


@pytest.mark.django_db
def test_a_session_from_before_the_limit_was_kept_counts_from_its_next_request(
    client, login, therapist_a
):
    http = login(therapist_a)  # no sign-in time in the session
    assert SIGNED_IN_AT not in http.session
    assert http.get("/caseload/").status_code == 200
    assert abs(http.session[SIGNED_IN_AT] - time.time()) < 60


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/c/not-a-real-token/", "/api/v1/clients"])
def test_check_in_pages_and_the_api_are_not_affected(client, therapist_a, path):
    http = _signed_in(client, therapist_a, hours_ago=13)
    response = http.get(path)
    assert not (response.status_code == 302 and "/accounts/login/" in response["Location"])
    assert _is_signed_in(http)
