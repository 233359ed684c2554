"""The "Your goals" page on a small phone (360 CSS px): the client writes a goal, sends it,
and it is on the episode as written by the client. axe finds nothing serious, with the
"at least one goal" message shown too."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll
from tests.browser.conftest import serious_accessibility_violations
from tests.checkins._helpers import make_link

from rapport.clinic.models import Goal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOAL = "Go back to swimming on Saturdays"


def test_the_client_writes_a_goal_on_a_360_px_phone(phone_360, live_server, client_a):
    _, token = make_link(client_a, "goals")
    phone_360.goto(f"{live_server.url}/c/{token}/")
    assert phone_360.get_by_role("heading", level=1).inner_text() == "Your goals"
    assert_no_sideways_scroll(phone_360)
    assert serious_accessibility_violations(phone_360) == []

    # Nothing written: the page says so, leads to the first goal, and stores nothing.
    phone_360.get_by_role("button", name="Send my answers").click()
    phone_360.get_by_role("alert").wait_for()
    assert "Please write at least one goal" in phone_360.locator("#q-goal_1").inner_text()
    assert_no_sideways_scroll(phone_360)
    assert serious_accessibility_violations(phone_360) == []
    assert not Goal.objects.filter(written_by_client=True).exists()

    phone_360.get_by_label("A goal of yours").fill(GOAL)
    phone_360.get_by_role("button", name="Send my answers").click()
    assert phone_360.get_by_role("heading", level=1).inner_text() == "Thank you"
    [goal] = Goal.objects.filter(written_by_client=True)
    assert goal.text == GOAL and goal.episode.client_id == client_a.pk
