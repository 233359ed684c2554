"""Pages no test had opened at 320 CSS px (a small phone, or a larger one zoomed to 200%,
WCAG 1.4.10), found scrolling sideways once the check measured against the phone's width
instead of ``innerWidth`` (which Chromium widens to fit a page that is too wide)."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.conftest import make_client, make_user
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

from rapport.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A work address of a plausible length, with no space or hyphen before its domain.
LONG_EMAIL = "maximiliana.konstantinopoulou@counselling-service.example.org"


def columns_outside_their_card(page, selector: str) -> list[str]:
    """The children of ``selector`` that reach past the inner edge of their card."""
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector + ' > *')].flatMap(column => {
            const card = column.closest('.card');
            const inner = card.getBoundingClientRect().right
                - parseFloat(getComputedStyle(card).paddingRight)
                - parseFloat(getComputedStyle(card).borderRightWidth);
            const right = column.getBoundingClientRect().right;
            return right > inner + 0.5 ? [`${Math.round(right)} > ${Math.round(inner)}`] : [];
        })""",
        selector,
    )


def test_the_session_report_at_a_glance_fits_a_320_px_phone(
    narrow_page, live_server, login, therapist_a, client_a, monkeypatch
):
    # "At a glance" had columns of at least 18rem (288 px) in a card that leaves 254 px.
    use_rule_coder(monkeypatch)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(login(therapist_a), appointment, "session.vtt")
    sign_in(narrow_page, live_server, therapist_a)
    narrow_page.goto(f"{live_server.url}/transcripts/{transcript.pk}/")
    assert narrow_page.get_by_role("heading", name="At a glance").is_visible()
    assert narrow_page.locator(".glance > *").count() >= 2
    assert columns_outside_their_card(narrow_page, ".glance") == []
    assert_no_sideways_scroll(narrow_page)


def test_a_long_email_address_wraps_in_the_top_bar_at_320_px(narrow_page, live_server, clinic):
    therapist = make_user(clinic, LONG_EMAIL, Role.THERAPIST)
    client = make_client(therapist, "Long E.")
    sign_in(narrow_page, live_server, therapist)
    for path in ("/caseload/", f"/clients/{client.pk}/"):
        narrow_page.goto(f"{live_server.url}{path}")
        assert LONG_EMAIL in narrow_page.locator("header .who").inner_text()
        assert_no_sideways_scroll(narrow_page)


def test_an_admin_edits_a_user_with_a_long_email_address_at_320_px(
    narrow_page, live_server, clinic, admin_user
):
    therapist = make_user(clinic, LONG_EMAIL, Role.THERAPIST)
    page = narrow_page
    sign_in(page, live_server, admin_user, lands_on="/manage/users/")
    for path in (f"/manage/users/{therapist.pk}/", f"/manage/users/{therapist.pk}/clients/"):
        page.goto(f"{live_server.url}{path}")
        # The title and the intro name the user in full, broken over lines.
        assert LONG_EMAIL in page.get_by_role("heading", level=1).inner_text()
        assert_no_sideways_scroll(page)
