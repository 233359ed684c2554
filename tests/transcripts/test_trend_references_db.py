"""The trend table across a client's sessions ends with each column's reference, as the
Metrics table gives it: a column of values without one ("Reflections per question 0.79,
1.00, 0.33") read as neither good nor bad."""

from __future__ import annotations

import html
import re

import pytest

from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def _reference_row(page: str) -> list[str]:
    foot = re.search(r'<table class="trend">.*?<tfoot>(.*?)</tfoot>', page, re.S)
    assert foot is not None, "the trend table has no reference row"
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", foot.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]


def test_the_trend_table_ends_with_each_columns_reference(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "session.vtt")

    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()

    assert _reference_row(page) == [
        "Reference",
        "Fair from 1, good from 2",  # reflections per question (MITI 4.2.1)
        "Fair from 50%, good from 70%",  # open questions
        "Fair from 40%, good from 50%",  # complex reflections
        "No threshold",  # therapist input: for context
        "Good below 50%",  # therapist talk share
        "Good from 50%",  # change talk
        "No threshold",  # quality estimate
        "No threshold",  # flags
    ]
    assert (
        "The last row gives each column's reference; the Metrics table above gives it in "
        "full, with its source." in html.unescape(page)
    )
