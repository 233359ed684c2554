"""The session report's trend table fits a tablet and a phone: its nine columns needed 747 px
in the 702 px of a 768 px tablet's card, the Flags column cut off behind a sideways scroll.
Under 56rem each session is a card of labelled lines (transcripts.css)."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.transcripts.fixtures_db import HERE, use_rule_coder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_FITS = """() => {
    const box = document.querySelector('table.trend').closest('.table-wrap');
    return box.scrollWidth <= box.clientWidth;
}"""


def report_of_an_uploaded_session(page, live_server, monkeypatch, therapist, client) -> None:
    """Sign in, upload tests/transcripts' session.vtt to the client and analyse it."""
    use_rule_coder(monkeypatch)
    sign_in(page, live_server, therapist)
    page.goto(f"{live_server.url}/clients/{client.pk}/")
    page.get_by_role("link", name="Upload transcript for").first.click()
    page.get_by_label("Transcript file").set_input_files(str(HERE / "session.vtt"))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/roles/")
    page.get_by_role("button", name="Analyse the session").click()
    page.wait_for_url("**/transcripts/*/")


@pytest.mark.parametrize("width", [768, 360])
def test_the_trend_table_fits_without_scrolling_sideways(
    page, live_server, monkeypatch, therapist_a, client_a, width
):
    report_of_an_uploaded_session(page, live_server, monkeypatch, therapist_a, client_a)

    page.set_viewport_size({"width": width, "height": 900})
    assert page.evaluate(_FITS)
    assert_no_sideways_scroll(page)
    # Every value still says which column it is, the flags count included.
    flags = page.locator("table.trend tbody td[data-label='Flags']")
    assert flags.is_visible()
    assert flags.bounding_box()["x"] + flags.bounding_box()["width"] <= width


def test_the_trend_table_stays_a_table_on_a_laptop(
    page, live_server, monkeypatch, therapist_a, client_a
):
    report_of_an_uploaded_session(page, live_server, monkeypatch, therapist_a, client_a)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.locator("table.trend thead").is_visible()
    assert page.evaluate(_FITS)
