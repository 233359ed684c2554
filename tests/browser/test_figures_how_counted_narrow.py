"""The caseload's "How these are counted", under its figures, on a 320 CSS px phone: each
explanation uses the card's whole width. The browser's default indent of a <dd> (40 px)
left the long explanations about 214 px, a few words a line (accessibility pass)."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Each explanation's left edge and width, beside those of the list that holds it.
INDENTS = """dl => [...dl.querySelectorAll('dd')].map(dd => {
    const list = dl.getBoundingClientRect(), item = dd.getBoundingClientRect();
    return [Math.round(item.left - list.left), Math.round(list.width - item.width)];
})"""


def test_how_the_figures_are_counted_uses_the_whole_width_on_a_phone(
    narrow_page, live_server, therapist_a, client_a
):
    page = narrow_page
    sign_in(page, live_server, therapist_a)
    assert page.get_by_role("heading", name="How these are counted").is_visible()
    explained = page.locator("dl.figures-how")
    assert explained.locator("dd").count() == 6
    assert explained.evaluate(INDENTS) == [[0, 0]] * 6
    assert_no_sideways_scroll(page)
