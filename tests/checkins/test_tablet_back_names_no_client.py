"""Back on the clinic's tablet after the hand-over reaches a sign-in page naming no client.

Review finding: tablet mode signs the therapist out, but the browser's history keeps the
client's page the *Tablet* button was on. Back from the client's questions (or from the
thank-you page, twice) asked for ``/clients/<id>/`` signed out, and the sign-in check sent
the tablet to ``/accounts/login/?next=/clients/<id>/``: a client record's address on the
device the client holds. On the shared tablet, signed out, every way to the sign-in page is
now the tablet's own way back (``?next=/checkins/tablet/return/``, the same for every client),
and signing in there still leads to the client the therapist was with.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from tests.checkins._helpers import TABLET_RETURN, tablet_answered, tablet_started
from tests.conftest import PASSWORD

MIDDLEWARE = "rapport.checkins.middleware.TabletSignInMiddleware"
NEUTRAL = f"/accounts/login/?next={quote(TABLET_RETURN, safe='')}"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clear_cache", "installed")]


@pytest.fixture
def installed(settings):
    """The middleware in the stack, where rapport.settings is to list it (innermost, after
    the session, the user and the MFA check), whether or not it is listed there yet."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, MIDDLEWARE]


def test_the_settings_list_the_middleware():
    from rapport import settings as app_settings

    assert MIDDLEWARE in app_settings.MIDDLEWARE


def test_back_to_the_client_page_after_the_hand_over_leads_to_a_sign_in_naming_nobody(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    questions = tablet_started(http, client_a)
    assert http.get(questions).status_code == 200
    # Back: the client's page, as the browser's history holds it, signed out.
    back = http.get(f"/clients/{client_a.pk}/")
    assert back.status_code == 302
    assert back["Location"] == NEUTRAL
    assert "/clients/" not in back["Location"] and str(client_a.pk) not in back["Location"]
    page = http.get(back["Location"])
    assert page.status_code == 200
    assert "/clients/" not in page.content.decode()


def test_back_twice_from_the_thank_you_page_names_nobody_either(login, therapist_a, client_a):
    http = login(therapist_a)
    tablet_answered(http, client_a)
    for address in (f"/clients/{client_a.pk}/", "/caseload/", f"/clients/{client_a.pk}/edit/"):
        back = http.get(address)
        assert back.status_code == 302, address
        assert back["Location"] == NEUTRAL, address


def test_a_sign_in_address_in_the_history_that_names_the_client_is_made_neutral(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    tablet_started(http, client_a)
    named = http.get(f"/accounts/login/?next=/clients/{client_a.pk}/")
    assert named.status_code == 302
    assert named["Location"] == NEUTRAL
    # The neutral one is the sign-in page itself, not sent round again.
    assert http.get(NEUTRAL).status_code == 200


def test_signing_in_there_still_leads_back_to_the_client(login, therapist_a, client_a):
    http = login(therapist_a)
    tablet_started(http, client_a)
    back = http.get(f"/clients/{client_a.pk}/")
    signed_in = http.post(
        back["Location"],
        {"login": therapist_a.email, "password": PASSWORD, "next": TABLET_RETURN},
        follow=True,
    )
    assert signed_in.redirect_chain[-1][0] == f"/clients/{client_a.pk}/"
    assert client_a.display_name in signed_in.content.decode()


def test_nothing_of_the_client_is_shown_without_signing_in(login, therapist_a, client_a):
    http = login(therapist_a)
    tablet_started(http, client_a)
    page = http.get(f"/clients/{client_a.pk}/", follow=True)
    assert client_a.display_name not in page.content.decode()
    assert page.redirect_chain[-1][0] == NEUTRAL


def test_a_browser_that_never_held_a_tablet_check_in_keeps_its_next(client, client_a):
    # Not the shared tablet: the sign-in page leads on to the page asked for, as before.
    back = client.get(f"/clients/{client_a.pk}/")
    assert back.status_code == 302
    assert back["Location"] == f"/accounts/login/?next=/clients/{client_a.pk}/"
