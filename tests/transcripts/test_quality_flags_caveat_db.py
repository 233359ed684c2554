"""The session report says, under the quality estimate, which serious flags it does not weigh
(see test_quality_flags_caveat.py for why)."""

from __future__ import annotations

import html
import re

import pytest

from tests.transcripts._helpers import rate_short_sessions
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


@pytest.fixture
def http_and_appointment(login, therapist_a, client_a, monkeypatch):
    use_rule_coder(monkeypatch)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    return login(therapist_a), appointment


def glance(page: str) -> str:
    """The "At a glance" quality block, as text."""
    block = page.split('<section aria-labelledby="summary-h"', 1)[1].split("</section>", 1)[0]
    block = block.split("<h3>", 2)[1]  # the quality estimate's column only
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", block))).strip()


def test_the_report_names_the_serious_flags_the_estimate_does_not_weigh(
    http_and_appointment, monkeypatch
):
    rate_short_sessions(monkeypatch)
    http, appointment = http_and_appointment
    transcript = upload_and_confirm(http, appointment, "judgmental_session.txt")
    assert transcript.quality_estimate is not None
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    text = glance(page)
    number = f"{transcript.quality_estimate:.2f} on a scale from 0 to 1 (an estimate)"
    caveat = (
        "Read with the flags: The estimate rests on the mix of codes and does not weigh the "
        "flags listed below: Judgmental language (1), Medical advice (1), Religious advice (1). "
        "See the flags"
    )
    assert text.startswith(f"Quality estimate {number} {caveat} ")  # right under the number
    assert 'id="quality-flags-caveat" role="note"' in page
    for label in ("Judgmental language", "Medical advice", "Religious advice"):
        # The flags it points to are listed (an utterance's flags share one card).
        assert re.search(rf"<h[34]>[^<]*{label}[^<]*</h[34]>", page)


def test_no_caveat_when_the_session_has_no_serious_flags(http_and_appointment, monkeypatch):
    rate_short_sessions(monkeypatch)
    http, appointment = http_and_appointment
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    assert transcript.flags and transcript.quality_estimate is not None
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert "quality-flags-caveat" not in page
    assert "does not weigh" not in page
