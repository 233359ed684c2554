"""A short session's "not rated" note is on its report once, in the quality section, not
again in the notes under the metrics (it is stored in ``analysis_notes`` too, for the CLI
and the API). All people are invented."""

from __future__ import annotations

import html
import re

import pytest

from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db

NOTE = "The quality estimate is not rated: it would rest on 7 therapist utterances"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def test_a_short_sessions_not_rated_note_is_shown_once_in_the_quality_section(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")  # 7 therapist turns
    assert any(note.startswith(NOTE) for note in transcript.analysis_notes)  # still stored
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert _text(page).count(NOTE) == 1
    summary = page.split('<section aria-labelledby="summary-h"', 1)[1].split("</section>", 1)[0]
    assert NOTE in _text(summary)
    metrics = page.split('<section aria-labelledby="metrics-h"', 1)[1].split("</section>", 1)[0]
    assert NOTE not in _text(metrics)
