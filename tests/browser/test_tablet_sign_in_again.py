"""Tablet mode in the room, end to end: the therapist hands the tablet over from the client's
page, the client answers, and the thank-you page's "Therapist: sign in again" takes the
therapist through the sign-in page straight back to that client's page (it used to end at
"Please hand the device back", and signing in landed on the caseload)."""

from __future__ import annotations

import re

import pytest
from tests.browser._helpers import (
    assert_no_sideways_scroll,
    send_session_checkin,
    send_sign_in,
    sign_in,
)
from tests.browser.conftest import serious_accessibility_violations
from tests.conftest import CANARY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def hand_the_tablet_over(page, live_server, therapist, client) -> None:
    """The therapist signs in on the tablet and, from the client's page, hands it over for the
    after-session check-in of last week's session."""
    page.set_default_timeout(15000)
    sign_in(page, live_server, therapist)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.get_by_role("button", name=re.compile(r"^Tablet for .* after ")).first.click()
    page.wait_for_url(re.compile(r"/c/[^/]+/$"))


def the_way_back(page):
    """The page's "Therapist: sign in again" link, checked: shown, to the sign-in page, a
    44 px target, on a page that names nobody, fits the screen and has no serious
    accessibility violation."""
    link = page.get_by_role("link", name="Therapist: sign in again")
    assert link.is_visible()
    assert (link.get_attribute("href") or "").startswith("/accounts/login/?next=")
    box = link.bounding_box()
    assert box is not None and box["height"] >= 44
    assert CANARY not in page.content() and "/clients/" not in page.content()
    assert_no_sideways_scroll(page)
    assert serious_accessibility_violations(page) == []
    return link


def test_the_therapist_gets_back_to_the_client_after_a_tablet_checkin(
    browser, live_server, therapist_a, client_a
):
    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    try:
        page = context.new_page()
        hand_the_tablet_over(page, live_server, therapist_a, client_a)
        send_session_checkin(page)
        assert "Please hand the device back to your therapist." in page.content()

        # The way back is there, names nobody and holds no record address.
        link = the_way_back(page)
        assert not re.search(r"\d", (link.get_attribute("href") or "").replace("%2F", "/"))

        # The therapist takes the tablet back, signs in, and is with the client again.
        link.click()
        page.wait_for_url(re.compile(r"/accounts/login/"))
        send_sign_in(page, therapist_a)
        page.wait_for_url(f"{live_server.url}/clients/{client_a.pk}/")
        assert page.get_by_role("heading", level=1).inner_text() == client_a.display_name
    finally:
        context.close()


def test_a_colleague_who_signs_in_from_the_cannot_be_used_page_is_told_plainly(
    browser, live_server, therapist_a, therapist_b, client_a
):
    """The tablet link stops working while the client holds the device (revoked from the
    therapist's other device): the "cannot be used" page has the same way back. A colleague
    who picks the tablet up and signs in there is told that their account cannot see the
    client who was using the tablet (no name, nothing of the client), and sent to their own
    caseload, instead of "Page not found"."""
    from rapport.checkins.models import CheckIn
    from rapport.checkins.services import checkin_revoke

    context = browser.new_context(viewport={"width": 820, "height": 1180}, has_touch=True)
    try:
        page = context.new_page()
        hand_the_tablet_over(page, live_server, therapist_a, client_a)

        checkin_revoke(actor=therapist_a, checkin=CheckIn.objects.get())
        page.reload()
        assert page.get_by_role("heading", level=1).inner_text() == "This link cannot be used"
        link = the_way_back(page)

        link.click()
        page.wait_for_url(re.compile(r"/accounts/login/"))
        send_sign_in(page, therapist_b)
        page.wait_for_url(f"{live_server.url}/checkins/tablet/return/")
        heading = page.get_by_role("heading", level=1).inner_text()
        assert heading == "This account cannot see that client"
        text = page.locator("main").inner_text()
        assert (
            f"You are signed in as {therapist_b.email}. This account cannot see the client "
            "who was using this tablet, so their page is not shown."
        ) in text
        assert CANARY not in page.content() and "/clients/" not in page.content()
        assert therapist_a.email not in page.content()
        assert_no_sideways_scroll(page)
        assert serious_accessibility_violations(page) == []

        page.get_by_role("link", name="Go to your caseload").click()
        page.wait_for_url(f"{live_server.url}/caseload/")
        assert page.get_by_role("heading", level=1).inner_text() == "Caseload"
    finally:
        context.close()
