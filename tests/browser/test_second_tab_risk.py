"""Two tabs on one phone: the client sends the PHQ-9 from the first, then answers item 9
"Several days" in the second and sends it. The second tab must not say "Your answers were
already sent … your therapist has them" (those answers were not stored): it says they were
not sent and opens with the crisis section; the therapist later finds a notice that a risk
answer was sent on a link that could no longer be used, first on the caseload."""

from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, fill_phq9, sign_in
from tests.browser.conftest import serious_accessibility_violations
from tests.checkins._helpers import make_link

from rapport.measures.models import Response

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOT_SENT = (
    "Answers from this link were already sent earlier, so the answers on this page were not "
    "sent. If something has changed, please tell your therapist."
)


def test_a_second_tab_with_a_risk_answer_is_told_and_the_therapist_sees_a_notice(
    phone_page, page, live_server, client_a, clinic, therapist_a
):
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    _, token = make_link(client_a, "phq9")
    url = f"{live_server.url}/c/{token}/"
    first = phone_page
    second = phone_page.context.new_page()
    first.goto(url)
    second.goto(url)

    fill_phq9(first, item9="Not at all")
    first.get_by_role("button", name="Send my answers").click()
    first.get_by_role("heading", level=1, name="Thank you").wait_for()

    fill_phq9(second, item9="Several days")
    second.get_by_role("button", name="Send my answers").click()
    second.get_by_role("heading", level=1, name="These answers were not sent").wait_for()
    text = second.locator("main").inner_text()
    assert NOT_SENT in " ".join(text.split())
    assert "already sent. Thank you" not in text and "Your therapist has them" not in text
    assert second.get_by_role("heading", name="If you are struggling right now").is_visible()
    assert second.get_by_role("link", name="0100\u00a0000\u00a0000").get_attribute("href") == (
        "tel:0100000000"
    )
    assert_no_sideways_scroll(second)
    assert serious_accessibility_violations(second) == []
    assert Response.objects.count() == 1

    # Later, the therapist signs in: the client comes first, with the risk tag.
    sign_in(page, live_server, therapist_a)
    first_row = page.locator("table tbody tr").first
    assert client_a.display_name in first_row.inner_text()
    assert "Risk answer" in first_row.inner_text()
    page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    notice = page.get_by_role("region", name="Risk answer to follow up")
    assert "was sent on this client’s link, which could no longer take it" in notice.inner_text()
    assert "Several days" not in notice.inner_text()  # no answer values were kept
    notice.get_by_label("What did you do to follow this up").fill(
        "Phoned the client; safety plan reviewed."
    )
    notice.get_by_role("button", name="Record the follow-up").click()
    page.get_by_text("Follow-up recorded.").wait_for()
    history = page.get_by_role("region", name="Risk answers followed up")
    assert "Phoned the client; safety plan reviewed." in history.inner_text()
