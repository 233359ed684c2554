"""Each cell of the trend table names its column (data-label), for the narrow layout where
the header row is hidden and each session is a card of labelled lines. All people are
invented."""

from __future__ import annotations

import re

import pytest

from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def test_every_trend_cell_names_its_column(login, therapist_a, client_a, monkeypatch):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    table = page.split('<table class="trend">', 1)[1].split("</table>", 1)[0]
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)
    # The session rows (the reference row of the table's foot is labelled the same way).
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    labels = re.findall(r'<td data-label="(.*?)">', body)
    assert headers[0] == "Session"
    assert labels == headers[1:]
    assert labels[-2:] == ["Quality estimate (0 to 1)", "Flags"]
