"""The report of a transcript whose turns run past what the coder reads (a caption export
that lost its punctuation) says that they were coded from their start. All text is
invented."""

from __future__ import annotations

import html
import re

import pytest

from rapport.transcripts.coding import CODED_CHARS
from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import roles_payload, upload

pytestmark = pytest.mark.django_db

_WORDS = "and then we talked about the evenings and how long they feel since the move "


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def test_the_report_notes_the_turns_coded_from_their_start(
    login, therapist_a, client_a, monkeypatch
):
    coder = use_rule_coder(monkeypatch)
    coder.coded_chars = CODED_CHARS  # as the shipped coder says
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    long = (_WORDS * 200)[:20_000]
    data = f"Therapist: Hello.\nClient: Hi.\nTherapist: {long}\nClient: Yes.\n".encode()
    response = upload(http, appointment, "long.txt", data)
    assert response.status_code == 302
    transcript = Transcript.objects.latest("pk")
    roles = {"Therapist": "therapist", "Client": "client"}
    http.post(f"/transcripts/{transcript.pk}/roles/", roles_payload(transcript, roles))
    page = _text(http.get(f"/transcripts/{transcript.pk}/").content.decode())
    assert (
        "1 utterance is longer than 5,000 characters (a whole one-hour session is about "
        "50,000-100,000): coded from its first 5,000 characters only; the flags read all of "
        "the text."
    ) in page
