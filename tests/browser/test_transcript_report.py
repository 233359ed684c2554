from __future__ import annotations

import pytest
from tests.browser._helpers import assert_no_sideways_scroll, sign_in
from tests.browser.conftest import serious_accessibility_violations
from tests.transcripts.fixtures_db import HERE, use_rule_coder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_therapist_uploads_a_vtt_confirms_roles_and_reads_the_session_report(
    page, live_server, monkeypatch, therapist_a, client_a
):
    use_rule_coder(monkeypatch)  # deterministic codes whatever model ships
    sign_in(page, live_server, therapist_a)

    page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    assert page.get_by_role("heading", name="Session transcripts").is_visible()
    page.get_by_role("link", name="Upload transcript for").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Upload a transcript"
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Transcript file").set_input_files(str(HERE / "session.vtt"))
    page.get_by_role("button", name="Upload").click()

    # Role confirmation: each speaker, sample lines, the guess pre-selected.
    page.wait_for_url("**/roles/")
    assert page.get_by_role("heading", level=1).inner_text() == "Who is who?"
    speakers = page.locator("table.speakers tbody tr")
    assert speakers.count() == 2
    assert "Jo Counsellor" in speakers.nth(0).inner_text()
    assert "Therapist" in speakers.nth(0).inner_text()
    assert "The evenings." in speakers.nth(1).inner_text()
    assert page.get_by_label("Jo Counsellor").input_value() == "therapist"
    assert page.get_by_label("Robin").input_value() == "client"
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Analyse the session").click()

    # The report: metrics, flags with the highlighted span, the timeline.
    page.wait_for_url("**/transcripts/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Session report"
    metrics = page.locator("table.metrics")
    assert "Reflections per question" in metrics.inner_text()
    assert "Open questions (% of questions)" in metrics.inner_text()
    flags = page.locator("ol.flags > li")
    assert flags.count() >= 2
    assert "Advice the client did not ask for" in page.locator("ol.flags").inner_text()
    assert (
        page.locator("ol.flags mark").first.inner_text()
        == "You should go to bed at the same time every night."
    )
    timeline = page.get_by_role("img", name="Timeline of 14 utterances")
    assert timeline.is_visible()
    assert page.locator(".timeline .cell").count() == 14
    assert page.locator("table.legend").is_visible()
    # Coded utterances are collapsed until asked for.
    utterances = page.locator("table.utterances")
    assert not utterances.is_visible()
    page.get_by_text("Show all 14 utterances").click()
    assert utterances.is_visible()
    assert page.locator("table.trend tbody tr").count() == 1
    assert serious_accessibility_violations(page) == []

    # On a phone the client page, transcripts table and all, does not scroll sideways.
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/clients/{client_a.pk}/")
    assert page.locator("table.transcripts tbody tr").count() == 1
    assert_no_sideways_scroll(page)
