"""The upload page of a session whose earlier part had its text deleted says that the same
file uploaded again is stored as a new part (the trend then counts the conversation twice),
where it used to say, untrue for that part, "The same file again is not stored twice"."""

from __future__ import annotations

import html
import re

import pytest

from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload, upload_and_confirm

pytestmark = pytest.mark.django_db

WARNING = (
    "A part whose text was deleted is not compared: its file uploaded again is stored as a "
    "new part, and the trend across the client's sessions then counts the session's "
    "conversation twice."
)


def _notice(page: str) -> str:
    found = re.search(
        r'<div class="notice warn"[^>]*id="existing-transcripts">(.*?)</div>', page, re.S
    )
    assert found is not None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_the_upload_page_says_a_text_deleted_parts_file_is_stored_again(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    first = upload_and_confirm(http, appointment, "session.vtt")
    url = f"/appointments/{appointment.pk}/transcripts/new/"
    assert WARNING not in _notice(http.get(url).content.decode())

    http.post(f"/transcripts/{first.pk}/delete/", {"what": "text"})
    notice = _notice(http.get(url).content.decode())

    assert WARNING in notice
    assert "delete that part first (Delete… on its report, everything)" in notice
    # ... and that is what happens.
    assert upload(http, appointment, "session.vtt").status_code == 302
    assert Transcript.objects.filter(appointment=appointment).count() == 2
