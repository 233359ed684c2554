"""A link to a risk answer on the client page (the caseload's "Risk answer followed up by …",
the check-ins table's "risk answer") scrolls it into view with its section's heading still
on the screen: on a 320 px phone the jump put the answer at the very top and the heading,
"Risk answers followed up", just above it, off the screen (accessibility pass), so the
reader landed on a line without knowing what it was."""

from __future__ import annotations

import pytest
from tests.browser._helpers import sign_in
from tests.clinic.test_caseload_risk_followed_up_by_others import follow_up, risk_answer
from tests.conftest import make_client

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def on_screen(locator) -> bool:
    """Whether the element's top and at least its first line are on the screen."""
    return locator.evaluate(
        "e => { const box = e.getBoundingClientRect();"
        " return box.top >= 0 && box.top + 16 <= window.innerHeight; }"
    )


@pytest.fixture
def morgan(supervisor):
    supervisor.full_name = "Morgan Lee"
    supervisor.save()
    return supervisor


def test_the_caseload_link_shows_the_record_under_its_heading(
    narrow_page, live_server, therapist_a, morgan
):
    page = narrow_page
    cleo = make_client(therapist_a, "Cleo S.")
    done = risk_answer(cleo, "cleo-1")
    follow_up(done, morgan, days_ago=1)
    sign_in(page, live_server, therapist_a)
    page.get_by_role("link", name="Risk answer followed up by Morgan Lee").click()
    page.wait_for_url(f"**/clients/{cleo.pk}/#risk-answer-{done.pk}")
    page.wait_for_function("() => window.scrollY > 0")  # it did jump, past the top of the page
    assert on_screen(page.get_by_role("heading", name="Risk answers followed up"))
    assert on_screen(page.locator(f"#risk-answer-{done.pk}"))


def test_an_open_risk_answer_is_shown_under_its_heading(
    narrow_page, live_server, therapist_a, morgan
):
    page = narrow_page
    cleo = make_client(therapist_a, "Cleo S.")
    follow_up(risk_answer(cleo, "cleo-1"), morgan, days_ago=1)
    open_answer = risk_answer(cleo, "cleo-2")
    sign_in(page, live_server, therapist_a)
    page.goto(f"{live_server.url}/clients/{cleo.pk}/#risk-answer-{open_answer.pk}")
    page.wait_for_function("() => window.scrollY > 0")
    assert on_screen(page.get_by_role("heading", name="Risk answer to follow up"))
    assert on_screen(page.locator(f"#risk-answer-{open_answer.pk}"))
