"""The client's pages in a real browser, at 390 and 320 px.

* A PHQ-9 opened while its link worked, answered "Nearly every day" on item 9 and sent after
  the link expired (or was replaced by Link again) is stored, with the crisis section.
* Back after sending shows "Your answers were already sent", with the crisis contacts.
* Without JavaScript (the client's pages have none), the error summary has the focus when
  the page comes back, so a screen reader starts there (autofocus).
* The clinic's crisis number is one tap-to-call link on one line, even at 320 px.

Screenshots go to $RAPPORT_SCREENSHOTS (if set) for a person to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, fill_phq9
from tests.checkins._helpers import appointment_of, make_link

from rapport.checkins.models import CheckIn
from rapport.checkins.services import checkin_create
from rapport.measures.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS = "If you are struggling right now"
#: Long enough that, with ordinary spaces, the number would break across two lines at 320 px.
CRISIS_TEXT = (
    "Northside duty team, weekdays 9am to 9pm, on 0100 000 000 or +44 100 000 0000. "
    "Out of hours, the crisis line answers on 0100 000 111."
)


def shoot(page, name: str) -> None:
    folder = os.environ.get("RAPPORT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)


@pytest.fixture
def crisis_clinic(clinic):
    clinic.name = "Northside Wellbeing Service"
    clinic.crisis_text = CRISIS_TEXT
    clinic.save()
    return clinic


@pytest.mark.parametrize("viewport", ["phone_page", "narrow_page"])
def test_a_risk_answer_sent_after_the_link_expired_is_stored_and_back_says_it_was_sent(
    request, viewport, live_server, client_a, crisis_clinic
):
    page = request.getfixturevalue(viewport)
    checkin, token = make_link(client_a, "phq9")
    url = f"{live_server.url}/c/{token}/"
    page.goto(url)
    assert "Questions from Northside Wellbeing Service" in page.content()
    assert page.get_by_text(re.compile(r"^(Before|About|For) your session")).is_visible()
    shoot(page, "questionnaire-phq9")
    fill_phq9(page)
    # The link expires while the client is answering (after the page was served).
    CheckIn.objects.filter(pk=checkin.pk).update(expires_at=timezone.now())
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", level=1, name="Thank you").wait_for()
    assert page.get_by_role("heading", name=CRISIS).is_visible()
    assert Response.objects.get().endorsed_risk == ["phq9_9"]
    assert_no_sideways_scroll(page)
    shoot(page, "thanks-after-grace")

    page.go_back()
    page.get_by_role(
        "heading", level=1, name="Your answers were already sent. Thank you."
    ).wait_for()
    content = page.content()
    assert "Northside duty team" in content
    assert "ask your therapist for a new link" not in content
    assert_no_sideways_scroll(page)
    shoot(page, "already-sent")
    assert Response.objects.count() == 1


def test_a_form_of_a_link_replaced_by_link_again_still_goes_through(
    phone_page, live_server, client_a, crisis_clinic
):
    _, token = make_link(client_a, "phq9")
    phone_page.goto(f"{live_server.url}/c/{token}/")
    fill_phq9(phone_page)
    checkin_create(actor=None, appointment=appointment_of(client_a), instrument_id="phq9")
    phone_page.get_by_role("button", name="Send my answers").click()
    phone_page.get_by_role("heading", level=1, name="Thank you").wait_for()
    assert phone_page.get_by_role("heading", name=CRISIS).is_visible()
    assert Response.objects.count() == 1


@pytest.mark.parametrize("viewport", ["phone_page", "narrow_page"])
def test_a_refused_risk_answer_shows_the_crisis_section(
    request, viewport, live_server, client_a, crisis_clinic, therapist_a
):
    from rapport.checkins.services import checkin_revoke

    page = request.getfixturevalue(viewport)
    checkin, token = make_link(client_a, "phq9")
    page.goto(f"{live_server.url}/c/{token}/")
    fill_phq9(page)
    checkin_revoke(actor=therapist_a, checkin=checkin)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", level=1, name="This link cannot be used").wait_for()
    assert page.get_by_role("heading", name=CRISIS).is_visible()
    assert_no_sideways_scroll(page)
    shoot(page, "refused-with-risk")
    assert not Response.objects.exists()


@pytest.mark.parametrize("viewport", ["phone_page", "narrow_page"])
def test_without_javascript_the_error_summary_has_the_focus(
    request, viewport, live_server, client_a, crisis_clinic
):
    page = request.getfixturevalue(viewport)
    _, token = make_link(client_a, "phq9")
    page.goto(f"{live_server.url}/c/{token}/")
    fill_phq9(page, skip=5)
    page.get_by_role("button", name="Send my answers").click()
    page.locator("#problems").wait_for()
    assert page.evaluate("document.activeElement.id") == "problems"
    link = page.get_by_role("link", name="Question 5", exact=True)
    assert link.is_visible()
    shoot(page, "error-summary")


@pytest.mark.parametrize("viewport", ["phone_page", "narrow_page"])
def test_each_crisis_number_is_one_tap_to_call_link_on_one_line(
    request, viewport, live_server, client_a, crisis_clinic
):
    page = request.getfixturevalue(viewport)
    _, token = make_link(client_a, "phq9")
    page.goto(f"{live_server.url}/c/{token}/")
    numbers = page.locator(".help-now a.tel")
    assert numbers.count() == 3
    for n in range(3):
        link = numbers.nth(n)
        assert link.get_attribute("href").startswith("tel:")
        # One line box: the number does not wrap in the middle.
        assert link.evaluate("e => e.getClientRects().length") == 1, link.inner_text()
    assert_no_sideways_scroll(page)


@pytest.mark.parametrize("viewport", ["phone_page", "narrow_page"])
def test_the_cnip_and_check_in_pages_for_a_person_to_look_at(
    request, viewport, live_server, client_a, crisis_clinic
):
    page = request.getfixturevalue(viewport)
    # Each questionnaire with its title and its questions (the C-NIP's 18 choices; the
    # check-in's five choices and its free text, sixth), and its button, on the screen.
    for instrument, title, questions, choices in (
        ("cnip", "How you’d like therapy to work", 18, 18),
        ("session-checkin", "About your session", 6, 5),
    ):
        _, token = make_link(client_a, instrument, timing="after")
        page.goto(f"{live_server.url}/c/{token}/")
        # The session check-in's heading names its session ("About your session on …").
        assert page.get_by_role("heading", level=1).inner_text().startswith(title)
        asked = page.get_by_role("group", name=re.compile(rf"^Question \d+ of {questions}\b"))
        assert asked.count() == choices
        if instrument == "session-checkin":
            assert page.get_by_label(re.compile("What could we do differently")).is_visible()
        assert page.get_by_role("button", name="Send my answers").is_visible()
        assert_no_sideways_scroll(page)
        shoot(page, f"questionnaire-{instrument}")
