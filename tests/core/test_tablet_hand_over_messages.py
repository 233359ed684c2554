"""Handing the tablet to the client leaves none of the therapist's messages behind: the
client's questionnaire never shows "You are signed in as <therapist>." or any other
staff notice (checkins.views._hand_over)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from tests.checkins._helpers import appointment_of
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_the_sign_in_message_is_not_shown_on_the_clients_questionnaire(
    client, therapist_a, client_a
):
    cache.clear()  # the sign-in throttle
    # Signed in, and the page after it never fetched (a redirect not followed, another tab):
    # "You are signed in as ..." (allauth's logged_in message) still waits in the messages
    # cookie.
    signed_in = client.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert "messages" in client.cookies and client.cookies["messages"].value
    handed_over = client.post(
        f"/appointments/{appointment_of(client_a).pk}/checkins/new/",
        {"instrument": "session-checkin", "timing": "after", "mode": "tablet"},
    )
    assert handed_over.status_code == 302
    # No message is left for the next page, in the cookie or the (new) session.
    assert not client.cookies["messages"].value
    page = client.get(handed_over["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post"' in html  # the questionnaire itself
    assert therapist_a.full_name not in html
    assert "signed in" not in html.lower()
    assert 'class="messages"' not in html


@pytest.mark.django_db
def test_a_client_page_never_shows_a_staff_message_left_in_the_browser(
    client, therapist_a, client_a
):
    """A therapist who signs in, then opens a phone link in the same browser (to try it):
    the client's page does not show the staff message, and it still waits for the next
    staff page rather than being lost."""
    from tests.checkins._helpers import make_link

    cache.clear()  # the sign-in throttle
    _checkin, token = make_link(client_a, "phq9")
    signed_in = client.post("/accounts/login/", {"login": therapist_a.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    page = client.get(f"/c/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post"' in html
    assert 'class="messages"' not in html
    assert "signed in" not in html.lower()
    staff_page = client.get("/caseload/")
    assert "You are signed in as" in staff_page.content.decode()
