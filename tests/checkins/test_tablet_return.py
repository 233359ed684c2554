"""Tablet mode: after the client answers, the thank-you page offers the therapist a discreet
way back ("Therapist: sign in again"): the sign-in page (and the second factor, if the
therapist has one), then the page of the client they were with.

The link is the same opaque address for every client: the client is remembered in the
anonymous session that signing out started, never in the page, so whoever holds the tablet
learns nothing from it. Only a user who may see that client gets there; anyone else is told
that this account cannot see the client who was using the tablet (naming nobody), with the way
to their own work. A phone link's thank-you page has no such link."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from tests.checkins._helpers import (
    CHECKIN_ANSWERS,
    SIGN_IN_AGAIN,
    appointment_of,
    open_and_answer,
    tablet_answered,
)
from tests.checkins._helpers import TABLET_RETURN as RETURN
from tests.conftest import CANARY, PASSWORD

from rapport.audit.models import AuditEvent
from rapport.checkins.services import checkin_create

pytestmark = pytest.mark.usefixtures("clear_cache")  # the login throttle's counts live in the cache


def _tablet_thanks(http, client) -> str:
    """The thank-you page after tablet mode for ``client`` (tablet_answered)."""
    return tablet_answered(http, client)[1]


def _sign_in_link(page: str) -> str:
    match = re.search(r'<a href="([^"]+)">' + re.escape(SIGN_IN_AGAIN) + "</a>", page)
    assert match, f"no {SIGN_IN_AGAIN!r} link on the page"
    return unescape(match.group(1))


def _sign_in(http, link: str, user):
    """Open the sign-in page the link leads to and sign in there, as its form posts."""
    page = http.get(link)
    assert page.status_code == 200
    # The form carries where to go next (allauth's own "next" handling).
    assert f'name="next" value="{RETURN}"' in page.content.decode()
    return http.post(link, {"login": user.email, "password": PASSWORD, "next": RETURN})


def _lands_on(http) -> str:
    """Where the way back leads, through "/" (which sends each role to its landing page)."""
    response = http.get(RETURN, follow=True)
    assert response.status_code == 200
    return response.redirect_chain[-1][0]


@pytest.mark.django_db
def test_the_tablet_thank_you_page_links_to_the_sign_in_page_naming_nobody(
    login, therapist_a, client_a
):
    page = _tablet_thanks(login(therapist_a), client_a)
    assert "Please hand the device back to your therapist." in page
    link = _sign_in_link(page)
    assert link == f"/accounts/login/?next={RETURN.replace('/', '%2F')}"
    # Nothing the client could use or learn from: no name, no record address or id.
    assert CANARY not in page and therapist_a.email not in page
    assert "/clients/" not in page and not re.search(r"\d", unquote(link))


@pytest.mark.django_db
def test_a_phone_link_thank_you_page_has_no_staff_link(client, client_a):
    _, token = checkin_create(
        actor=None, appointment=appointment_of(client_a), instrument_id="session-checkin"
    )
    page = open_and_answer(client, token, CHECKIN_ANSWERS).content.decode()
    assert "Your answers have been sent to your therapist." in page
    assert SIGN_IN_AGAIN not in page
    assert "/accounts/login" not in page and RETURN not in page


@pytest.mark.django_db
def test_signing_in_again_leads_back_to_the_clients_page(login, therapist_a, client_a):
    http = login(therapist_a)
    link = _sign_in_link(_tablet_thanks(http, client_a))
    signed_in = _sign_in(http, link, therapist_a)
    assert signed_in.status_code == 302 and signed_in["Location"] == RETURN
    back = http.get(RETURN)
    assert back.status_code == 302
    assert back["Location"] == f"/clients/{client_a.pk}/"
    page = http.get(back["Location"])
    assert page.status_code == 200 and CANARY in page.content.decode()
    # Used once: the way back is not kept for a later sign-in on this tablet.
    assert _lands_on(http) == "/caseload/"


@pytest.mark.django_db
def test_with_a_second_factor_the_way_back_passes_through_it(login, therapist_a, client_a):
    from allauth.mfa.totp.internal.auth import (
        TOTP,
        format_hotp_value,
        generate_totp_secret,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    secret = generate_totp_secret()
    TOTP.activate(therapist_a, secret)
    http = login(therapist_a)
    link = _sign_in_link(_tablet_thanks(http, client_a))
    asked = _sign_in(http, link, therapist_a)
    assert asked.status_code == 302 and asked["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in http.session
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    passed = http.post("/accounts/2fa/authenticate/", {"code": code})
    assert passed.status_code == 302 and passed["Location"] == RETURN
    assert http.get(RETURN)["Location"] == f"/clients/{client_a.pk}/"


@pytest.mark.django_db
def test_a_supervisor_who_sees_the_client_gets_there_too(login, therapist_a, supervisor, client_a):
    http = login(therapist_a)
    link = _sign_in_link(_tablet_thanks(http, client_a))
    _sign_in(http, link, supervisor)
    assert http.get(RETURN)["Location"] == f"/clients/{client_a.pk}/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "way_on", "landing", "client_page"),
    [
        ("therapist_b", "Go to your caseload", "/caseload/", 404),
        ("admin_user", "Go to your start page", "/manage/users/", 403),
    ],
)
def test_someone_who_may_not_see_the_client_is_told_so_and_shown_their_own_way_on(
    request, login, therapist_a, client_a, who, way_on, landing, client_page
):
    user = request.getfixturevalue(who)
    http = login(therapist_a)
    link = _sign_in_link(_tablet_thanks(http, client_a))
    _sign_in(http, link, user)
    audited = AuditEvent.objects.filter(client_id=client_a.pk).count()
    refused = http.get(RETURN)
    page = refused.content.decode()
    # A clear page rather than "Page not found": what happened, and where to go.
    assert refused.status_code == 403
    assert "<h1>This account cannot see that client</h1>" in page
    assert (
        f"You are signed in as {user.email}. This account cannot see the client who was "
        "using this tablet, so their page is not shown."
    ) in page
    assert f'<a href="/">{way_on}</a>' in page
    assert _lands_on(http) == landing  # that link; the client is not tried again
    # Nothing of the client: no name, no record address, no therapist; and, as for any
    # refused request, nothing in the client's audit trail.
    assert CANARY not in page and "/clients/" not in page
    assert therapist_a.email not in page and therapist_a.full_name not in page
    assert AuditEvent.objects.filter(client_id=client_a.pk).count() == audited
    # The client's own page still refuses them as before (an admin opens no client page).
    assert http.get(f"/clients/{client_a.pk}/").status_code == client_page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "landing"), [("therapist_a", "/caseload/"), ("admin_user", "/manage/users/")]
)
def test_with_no_client_remembered_it_leads_to_the_landing_page(request, client, who, landing):
    # Another device, or the session ended while the client was answering.
    user = request.getfixturevalue(who)
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert _lands_on(client) == landing


@pytest.mark.django_db
def test_signed_out_it_asks_for_the_sign_in(client):
    response = client.get(RETURN)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
