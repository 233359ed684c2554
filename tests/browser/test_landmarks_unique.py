"""No two landmarks on the caseload, the client page or the session report share a name.

Each table scroll box is a focusable region (keyboard scrolling, WCAG 2.1.1) inside a
section that is itself a landmark named by its heading. An exploratory test found the boxes
labelled by that same heading ("Metrics", "Session transcripts", "Your figures"...), so a
screen reader's landmark list named two landmarks alike (axe 'landmark-unique').
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tests.browser._helpers import sign_in
from tests.measures._helpers import answers_for
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

from rapport.measures.services import response_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def axe_violations(page, rule: str) -> list[str]:
    """The nodes axe-core (bundled, no network) finds breaking ``rule`` on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        node["html"]
        for violation in results.response["violations"]
        if violation["id"] == rule
        for node in violation["nodes"]
    ]


@pytest.fixture
def analysed_client(login, therapist_a, client_a, monkeypatch):
    """A client with their preferences on record and one analysed session transcript."""
    use_rule_coder(monkeypatch)
    response_record(
        client=client_a,
        instrument_id="cnip",
        answers=answers_for("cnip", [1] * 18),
        source="import",
        idempotency_key="landmarks",
        administered_at=datetime(2026, 2, 9, tzinfo=UTC),
    )
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(login(therapist_a), appointment, "session.vtt")
    return client_a, transcript


def test_every_landmark_on_the_three_pages_has_a_name_of_its_own(
    page, live_server, therapist_a, analysed_client
):
    client, transcript = analysed_client
    sign_in(page, live_server, therapist_a)

    assert axe_violations(page, "landmark-unique") == []
    # Each box is still a focusable region, now with its own name.
    assert page.get_by_role("region", name="Figures table").get_attribute("tabindex") == "0"

    page.goto(f"{live_server.url}/clients/{client.pk}/")
    assert axe_violations(page, "landmark-unique") == []
    for name in ("Preferences table", "Transcripts table", "Appointments table"):
        assert page.get_by_role("region", name=name).get_attribute("tabindex") == "0"

    page.goto(f"{live_server.url}/transcripts/{transcript.pk}/")
    page.get_by_text("Show all 14 utterances").click()  # the collapsed table counts too
    assert axe_violations(page, "landmark-unique") == []
    for name in ("Metrics table", "Coded utterances table", "Metrics per session table"):
        assert page.get_by_role("region", name=name).get_attribute("tabindex") == "0"
