"""On a shared device, whoever presses Reload or Back-then-Forward after a client answered
learns nothing from it: the repeat shows no crisis section and no clinic. The client's page
sends no referrer (the URL holds the link's token), and the form still goes through in a
real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error as BrowserError
from tests.browser._helpers import fill_phq9
from tests.checkins._helpers import make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRISIS = "If you are struggling right now"
GENERIC_HELP = "If you are in immediate danger, call your local emergency number now."


def answer_with_risk(page, url: str) -> None:
    page.goto(url)
    fill_phq9(page, item9="Several days")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name=CRISIS).wait_for(state="visible")


@pytest.fixture
def clinic_with_a_name(clinic):
    clinic.name = "Northside Eating Disorders Service"
    clinic.save()
    return clinic


def test_reload_after_a_risk_answer_shows_no_crisis_section_nor_the_clinic(
    phone_page, live_server, client_a, clinic_with_a_name
):
    _, token = make_link(client_a, "phq9")
    answer_with_risk(phone_page, f"{live_server.url}/c/{token}/")
    assert clinic_with_a_name.name in phone_page.content()

    # The next person presses Reload: the browser posts the form again.
    phone_page.reload()
    phone_page.get_by_role("heading", level=1, name="Thank you").wait_for()
    page = phone_page.content()
    assert CRISIS not in page
    assert clinic_with_a_name.name not in page
    assert GENERIC_HELP in page


def test_back_then_forward_after_a_risk_answer_shows_no_kept_copy(
    phone_page, live_server, client_a
):
    _, token = make_link(client_a, "phq9")
    answer_with_risk(phone_page, f"{live_server.url}/c/{token}/")
    phone_page.go_back()  # the questionnaire's address: the used link's page
    assert "Your answers were already sent. Thank you." in phone_page.content()
    # The thank-you page was the answer to a POST, sent with Cache-Control: no-store:
    # the browser keeps no copy to show again, and asks before posting the form again
    # (which would give the page a repeat gets, tested above).
    # Chromium shows its own "Confirm Form Resubmission" page instead.
    with pytest.raises(BrowserError, match="ERR_CACHE_MISS"):
        phone_page.go_forward()


def test_the_clients_page_sends_no_referrer(phone_page, live_server, client_a):
    _, token = make_link(client_a, "phq9")
    sent = []
    phone_page.on("request", lambda request: sent.append(request))
    answer_with_risk(phone_page, f"{live_server.url}/c/{token}/")
    # Its stylesheet and icon, and the form's own submission, carry no Referer (a proxy
    # would log /c/<token>/ from it); the submission went through all the same.
    assert [r.url for r in sent if r.url.endswith(".css")]
    assert [r for r in sent if r.method == "POST"]
    assert [r.url for r in sent if r.all_headers().get("referer")] == []
