"""A staff form that comes back with errors: the focus is on its error summary, so a screen
reader reads it out (role="alert" alone is not read reliably when a page loads), and each
link in the summary puts the focus on the field's control itself, so Tab goes on to the
next field. The summary linked to each field's message, which comes after the control:
following a link and pressing Tab skipped the field and landed on the next one, or on the
submit button (accessibility pass)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.checkins._helpers import make_link
from tests.monitoring.db.helpers import checkins, make_episode

from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load, strategy_create
from rapport.monitoring.models import Alert
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
    const e = document.activeElement;
    return e.id || [...e.classList].map(c => '.' + c).join('') || e.tagName.toLowerCase();
}"""


def focused(page) -> str:
    """The focused element: its id, or else its classes, or else its tag."""
    return page.evaluate(FOCUSED)


def in_view(locator) -> bool:
    """Whether the element's top is on the screen (scrolled to, not above or below it)."""
    return locator.evaluate(
        "e => { const top = e.getBoundingClientRect().top;"
        " return top >= 0 && top < window.innerHeight; }"
    )


@pytest.fixture
def rupture(therapist_a):
    # Six weekly sessions up to yesterday, the alliance falling from 38 to 29 at session 4.
    client, episode, held = make_episode(therapist_a, "Rupture R.", sessions=6, now=timezone.now())
    checkins(client, held, [38, 38, 37, 29, 30, 30])
    recompute_alerts()
    return Alert.objects.get(episode=episode, kind="alliance_rupture")


def test_on_a_phone_a_failed_submit_puts_the_focus_on_the_summary_far_down_the_page(
    narrow_page, live_server, therapist_a, rupture
):
    page = narrow_page
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/alerts/{rupture.pk}/action/")
    page.get_by_label("When").fill("")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    assert "When: This field is required." in summary.inner_text()
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert summary.get_attribute("tabindex") == "-1"  # not a Tab stop of its own
    assert in_view(summary)  # below the alert's strategies, a long scroll on a phone
    assert summary.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    # Tab goes from the summary to its first link; a link goes to its field.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => document.activeElement === document.querySelector('.error-summary a')"
    )
    summary.get_by_role("link", name="When").press("Enter")
    assert focused(page) == "id_performed_on"


def test_a_summary_link_puts_the_focus_on_the_field_and_tab_goes_on_to_the_next(
    page, live_server, admin_user
):
    sign_in(page, live_server, admin_user, lands_on="/manage/users/")
    page.goto(f"{live_server.url}/manage/guidance/new/")
    page.get_by_role("button", name="Save").click()
    summary = page.locator(".error-summary")
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")

    summary.get_by_role("link", name="Title").click()
    assert focused(page) == "id_title"
    page.keyboard.press("Tab")
    assert focused(page) == "id_text"  # the next field, not the one after it

    # A group of checkboxes: the link goes to its first option.
    summary.get_by_role("link", name="Shown with these signals").click()
    assert focused(page) == "id_kinds_0"
    page.keyboard.press("Space")
    assert page.locator("#id_kinds_0").is_checked()


def test_the_safety_strategy_confirmation_is_focused_from_its_summary(
    page, live_server, admin_user, clinic
):
    library_load(clinic=clinic)
    # A second safety step, so the library's own may be disabled once confirmed.
    strategy_create(
        actor=admin_user,
        clinic=clinic,
        title="Go through the crisis plan",
        text="Ask about thoughts of self-harm and go through who the client can call tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration", "not_on_track"],
        safety=True,
    )
    safety = Strategy.objects.get(clinic=clinic, slug="check-safety")
    sign_in(page, live_server, admin_user, lands_on="/manage/users/")
    page.goto(f"{live_server.url}/manage/guidance/{safety.pk}/toggle/")
    page.get_by_role("button", name="Disable").click()
    summary = page.locator(".error-summary")
    assert "One thing needs correcting" in summary.inner_text()
    # The summary here is the template's own: the script makes it focusable.
    page.wait_for_function("() => document.activeElement.classList.contains('error-summary')")
    assert summary.get_attribute("tabindex") == "-1"
    summary.get_by_role("link", name="the confirmation").click()
    assert focused(page) == "id_understood"


def test_without_javascript_the_summary_and_its_links_are_still_there(
    browser, live_server, admin_user
):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        sign_in(page, live_server, admin_user, lands_on="/manage/users/")
        page.goto(f"{live_server.url}/manage/guidance/new/")
        page.get_by_role("button", name="Save").click()
        summary = page.get_by_role("alert")
        assert "Title: This field is required." in summary.inner_text()
        assert summary.get_by_role("link", name="Title").get_attribute("href") == "#id_title"
        assert focused(page) == "body"
    finally:
        context.close()


def test_a_clients_unanswered_questions_at_320_px_are_a_short_calm_summary_with_the_focus(
    narrow_page, live_server, client_a
):
    # The client's page has no JavaScript: the summary takes the focus by autofocus. It was
    # a wall of bold red links at 320 px, each repeating the question's own words (PHQ-9
    # item 9's among them): now a plain lead and one short link per question.
    page = narrow_page
    _, token = make_link(client_a, "phq9")
    page.goto(f"{live_server.url}/c/{token}/")
    first = page.get_by_role("group", name=re.compile(r"^Question 1 of 10\b"))
    first.get_by_label("Not at all", exact=True).check()
    page.get_by_role("button", name="Send my answers").click()
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert summary.inner_text().startswith("A few questions are not answered yet.")
    page.wait_for_function("() => document.activeElement.id === 'problems'")
    assert in_view(summary)
    assert summary.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    links = summary.get_by_role("link")
    assert links.all_inner_texts() == [f"Question {n}" for n in range(2, 10)]
    assert "Feeling down" not in summary.inner_text()
    danger = "rgb(164, 14, 38)"
    weight, colour = links.first.evaluate(
        "e => [getComputedStyle(e).fontWeight, getComputedStyle(e).color]"
    )
    assert int(weight) < 600 and colour != danger
    assert summary.evaluate("e => getComputedStyle(e).color") != danger
    # Eight gaps take less than half of a 640 px screen, and each link is a 44 px target.
    assert summary.bounding_box()["height"] < 320
    assert min(box["height"] for box in map(lambda i: links.nth(i).bounding_box(), range(8))) >= 44
    assert_no_sideways_scroll(page)
    # Tab goes to the first link; the link goes to its question.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "#q-phq9_2"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"#q-phq9_2$"))
    top = page.locator("#q-phq9_2").evaluate("e => e.getBoundingClientRect().top")
    assert -1 < top < 100  # scrolled to the top of the screen (to a fraction of a pixel)
