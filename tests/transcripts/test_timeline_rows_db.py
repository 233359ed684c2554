"""A long session's timeline is wrapped into labelled rows: one row of 600 utterances gave
each cell under 2 px at 1280 px, with nothing to say where in the session it was. All
people and words are invented."""

from __future__ import annotations

import re

import pytest

from rapport.transcripts.models import Transcript
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import roles_payload, upload

pytestmark = pytest.mark.django_db


def _upload(http, appointment, name: str, data: bytes) -> Transcript:
    response = upload(http, appointment, name, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    transcript = Transcript.objects.latest("pk")
    roles = {"Therapist": "therapist", "Client": "client"}
    response = http.post(f"/transcripts/{transcript.pk}/roles/", roles_payload(transcript, roles))
    assert response.status_code == 302, response.content.decode()[:2000]
    transcript.refresh_from_db()
    return transcript


def _vtt(turns: int, seconds_each: float) -> bytes:
    cues = []
    for i in range(turns):
        start, end = i * seconds_each, (i + 1) * seconds_each
        speaker = "Therapist" if i % 2 == 0 else "Client"
        cues.append(f"{_t(start)} --> {_t(end)}\n<v {speaker}>Turn number {i} of the talk.")
    return ("WEBVTT\n\n" + "\n\n".join(cues) + "\n").encode()


def _t(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.000"


def _rows(page: str) -> list[tuple[str, int]]:
    block = page.split('<div class="timeline-rows"', 1)[1].split("</div>\n  </div>", 1)[0]
    labels = re.findall(r'<p class="help timeline-label">(.*?)</p>', block)
    counts = [row.count('<span class="cell ') for row in block.split('<div class="timeline">')[1:]]
    return list(zip(labels, counts, strict=True))


def test_a_long_timed_session_is_in_rows_of_ten_minutes(login, therapist_a, client_a, monkeypatch):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = _upload(http, appointment, "long.vtt", _vtt(600, 6.0))  # an hour
    assert transcript.turn_count == 600
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    rows = _rows(page)
    assert [label for label, _ in rows] == [
        "0:00 to 10:00",
        "10:00 to 20:00",
        "20:00 to 30:00",
        "30:00 to 40:00",
        "40:00 to 50:00",
        "50:00 to 1:00:00",
    ]
    assert [count for _, count in rows] == [100] * 6
    assert page.count('<span class="cell ') == 600
    assert 'role="img" aria-label="Timeline of 600 utterances' in page
    assert "This long session is wrapped into rows" in page


def test_a_short_session_keeps_its_one_row(login, therapist_a, client_a, monkeypatch):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = _upload(http, appointment, "short.vtt", _vtt(40, 6.0))  # four minutes
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert "timeline-rows" not in page and "This long session" not in page
    assert page.count('<div class="timeline"') == 1


def test_a_long_session_without_times_is_in_rows_of_100_utterances(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    lines = "\n".join(
        f"{'Therapist' if i % 2 == 0 else 'Client'}: Turn number {i}." for i in range(250)
    )
    transcript = _upload(http, appointment, "long.txt", lines.encode())
    rows = _rows(http.get(f"/transcripts/{transcript.pk}/").content.decode())
    assert rows == [
        ("Utterances 1 to 100", 100),
        ("Utterances 101 to 200", 100),
        ("Utterances 201 to 250", 50),
    ]
