"""A short session's quality estimate is "Not rated" on its report and in the trend table,
as a metric resting on too few coded behaviours is: a six-line session showed 0.87 beside
metrics marked "Not rated". All people are invented."""

from __future__ import annotations

import html
import re

import pytest

from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def _glance(page: str) -> str:
    block = page.split('<section aria-labelledby="summary-h"', 1)[1].split("</section>", 1)[0]
    return _text(block.split("<h3>", 2)[1])


def test_a_short_session_shows_its_estimate_as_not_rated_and_why(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")  # 7 therapist turns
    assert transcript.quality_estimate is None
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert _glance(page).startswith(
        "Quality estimate Not rated The quality estimate is not rated: it would rest on 7 "
        "therapist utterances (fewer than 10)"
    )
    assert "on a scale from 0 to 1" not in page


def test_an_estimate_stored_for_a_short_session_before_the_rule_is_not_shown(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    Transcript.objects.filter(pk=transcript.pk).update(quality_estimate=0.87)
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert "<strong>0.87</strong>" not in page
    assert "Quality estimate Not rated" in _glance(page)
    table = _text(page.split('<table class="trend">', 1)[1].split("</table>", 1)[0])
    assert "0.87" not in table and "Not rated" in table
    assert "A quality estimate is not rated for a session of fewer than 10 therapist" in _text(page)
