"""Once the text is deleted, the flags section says why its cards quote nothing: a card
with a reason and no words read as a flag with nothing behind it."""

from __future__ import annotations

import html
import re

import pytest

from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db

NOTE = (
    "The text was deleted, so the flags no longer quote what was said: each keeps its "
    "utterance number, time, reason and source."
)


def _flags_section(page: str) -> str:
    found = re.search(r'<section aria-labelledby="flags-h".*?</section>', page, re.S)
    assert found is not None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split())


def test_the_flags_of_a_report_without_its_text_say_why_they_quote_nothing(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    url = f"/transcripts/{transcript.pk}/"
    before = http.get(url).content.decode()
    assert "<mark>" in before and NOTE not in _flags_section(before)

    http.post(f"/transcripts/{transcript.pk}/delete/", {"what": "text"})
    after = http.get(url).content.decode()

    section = _flags_section(after)
    assert "<mark>" not in after
    assert "Advice the client did not ask for" in section
    assert NOTE in section
