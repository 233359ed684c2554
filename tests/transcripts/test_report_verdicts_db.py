"""The session report's verdicts say whether a value meets the reference shown beside it.

"Therapist's share of the speaking time 50% — Below the standard", next to a reference of
"below 50% is good", read as praise for a value that missed the reference.
"""

from __future__ import annotations

import re

import pytest

from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def verdicts(page: str) -> dict[str, str]:
    """Each metric row's label and its verdict (in the metrics table: the flags-by-kind
    table before it has row headers too)."""
    table = re.search(r'<table class="metrics">.*?</table>', page, re.DOTALL)
    assert table is not None
    page = table.group(0)
    rows = re.findall(
        r'<th scope="row">(.*?)</th>\s*<td>.*?</td>\s*<td><span class="[^"]*">(.*?)</span>',
        page,
        re.DOTALL,
    )
    return {label.strip(): verdict.strip() for label, verdict in rows}


def test_each_verdict_says_whether_the_value_meets_its_reference(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    http = login(therapist_a)
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    values = transcript.metrics["values"]
    values.update(
        therapist_talk_share=0.5,
        reflection_to_question_ratio=1.5,
        percent_open_questions=80.0,
        percent_therapist_input=20.0,
    )
    transcript.metrics["ratings"] = {
        "therapist_talk_share": "below",
        "reflection_to_question_ratio": "fair",
        "percent_open_questions": "good",
        "percent_therapist_input": None,
    }
    transcript.metrics["therapist_talk_share_by_time"] = None
    transcript.save(update_fields=["metrics"])
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    shown = verdicts(page)
    assert shown["Therapist&#x27;s share of the words"] == "Does not meet the reference"
    assert shown["Reflections per question"] == "Meets the reference for fair, not for good"
    assert shown["Open questions (% of questions)"] == "Meets the reference"
    # Therapist input has no threshold: context, not a value missing its verdict.
    label = "Therapist input: information, advice, options (% of therapist utterances)"
    assert shown[label] == "For context (no threshold)"
    assert "Below the standard" not in page
    assert "below 50%" in page  # the reference the verdict is read against


def test_a_value_on_too_few_behaviours_is_not_rated_and_context_is_not_called_unrated(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    http = login(therapist_a)
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    transcript.metrics["values"].update(percent_open_questions=50.0, percent_therapist_input=0.0)
    transcript.metrics["ratings"].update(percent_open_questions=None, percent_therapist_input=None)
    transcript.save(update_fields=["metrics"])
    shown = verdicts(http.get(f"/transcripts/{transcript.pk}/").content.decode())
    assert shown["Open questions (% of questions)"] == "Not rated"
    label = "Therapist input: information, advice, options (% of therapist utterances)"
    assert shown[label] == "For context (no threshold)"
