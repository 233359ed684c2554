"""A client who answers the PHQ-9's risk item at risk and presses Send twice (a double
click, or a second tap while a slow connection is still sending) is shown the page of the
SECOND request: the answers were stored by the first. That page is the one a repeat gets,
and it used to name no help but the emergency number. Every thank-you page now shows the
clinic's crisis contacts (which depend on no answer), so the client who answered at risk
still sees where to turn, whichever request's page the browser shows."""

from __future__ import annotations

import pytest
from tests.browser._helpers import fill_phq9
from tests.checkins._helpers import make_link

from rapport.measures.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS_LINE = "Duty line (example): 0100 000 000"


@pytest.fixture
def clinic_with_a_line(clinic):
    clinic.crisis_text = CRISIS_LINE
    clinic.save()
    return clinic


def thank_you_text(page) -> str:
    page.get_by_role("heading", level=1, name="Thank you").wait_for()
    page.wait_for_load_state()
    return page.inner_text("main")


def assert_help_is_named(text: str) -> None:
    text = text.replace("\xa0", " ")  # a number's digits are kept together
    assert "If you need help now" in text or "If you are struggling right now" in text
    assert CRISIS_LINE in text
    assert "call your local emergency number" in text


def slow_network(page, latency_ms: int) -> list:
    """Every request takes ``latency_ms`` to leave the phone; the POSTs sent, as a list."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": latency_ms,
            "downloadThroughput": 40000,
            "uploadThroughput": 40000,
        },
    )
    posts: list = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    return posts


def test_a_second_tap_on_a_slow_connection_still_shows_the_clinics_crisis_line(
    phone_page, live_server, client_a, clinic_with_a_line
):
    _, token = make_link(client_a, "phq9")
    phone_page.goto(f"{live_server.url}/c/{token}/")
    fill_phq9(phone_page, item9="Nearly every day")
    # A slow mobile network: every request takes 1.5 s to leave the phone.
    posts = slow_network(phone_page, 1500)
    # Tap Send, and tap again 0.4 s later because nothing seems to happen.
    phone_page.evaluate(
        """() => {
            const send = document.querySelector('form.questionnaire button[type=submit]');
            send.click();
            setTimeout(() => send.click(), 400);
        }"""
    )
    thank_you_text(phone_page)
    phone_page.wait_for_timeout(500)
    assert len(posts) == 2, "the browser sent the form twice"
    assert_help_is_named(phone_page.inner_text("main"))
    assert Response.objects.count() == 1
