"""The C-NIP's answers come back after a validation error, and after Reload of that page.

The C-NIP is 18 questions, about 5 minutes on a phone. A client who pressed Send with some
left out gets the page back with every answer they gave still chosen; pressing Reload
there (the browser posts the form again) shows them again; and once the rest are answered,
one Send stores one response, which Reload of the thank-you page does not store again.
Pinned in a real browser: the page runs no script and is no-store, so nothing but the
server's own page can bring an answer back.
"""

from __future__ import annotations

import pytest
from tests.browser._helpers import question
from tests.checkins._helpers import make_link

from rapport.measures.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOTAL = 18
# The seven choices of each item, in page order, are -3..+3: answer across the range.
FIRST_HALF = {n: (n % 7) - 3 for n in range(1, 10)}
SECOND_HALF = {n: ((n * 2) % 7) - 3 for n in range(10, TOTAL + 1)}


def choose(page, answers: dict[int, int]) -> None:
    for number, value in answers.items():
        question(page, number, TOTAL).locator(f"input[value='{value}']").check()


def chosen(page) -> dict[int, int]:
    pairs = page.evaluate(
        "[...document.querySelectorAll('input[type=radio]:checked')].map(e => [e.name, e.value])"
    )
    return {int(name.removeprefix("cnip_")): int(value) for name, value in pairs}


def test_cnip_answers_come_back_after_an_error_and_its_reload_and_count_once(
    phone_360, live_server, client_a
):
    page = phone_360
    _, token = make_link(client_a, "cnip")
    page.goto(f"{live_server.url}/c/{token}/")
    choose(page, FIRST_HALF)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("alert").wait_for()
    assert "A few questions are not answered yet." in page.get_by_role("alert").inner_text()
    assert chosen(page) == FIRST_HALF

    page.reload()  # the browser posts the same answers again
    page.get_by_role("alert").wait_for()
    assert chosen(page) == FIRST_HALF
    assert not Response.objects.exists()

    choose(page, SECOND_HALF)
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", level=1, name="Thank you").wait_for()
    page.reload()  # the thank-you page posted again: nothing more is stored
    page.get_by_role("heading", level=1, name="Thank you").wait_for()
    stored = Response.objects.get()
    assert stored.instrument_id == "cnip"
    assert stored.item_values == {
        f"cnip_{n}": value for n, value in {**FIRST_HALF, **SECOND_HALF}.items()
    }
