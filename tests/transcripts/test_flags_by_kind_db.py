"""The report counts its flags by kind (issue 5, session metrics: "flags by kind"), each
kind with its first utterance and its source: a long session's dozens of cards gave no
way to see which kind most of them were."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from rapport.transcripts.views import FLAG_LABELS
from tests.transcripts.fixtures_db import use_rule_coder
from tests.transcripts.test_transcript_pages_db import upload_and_confirm

pytestmark = pytest.mark.django_db


def _rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="flag-kinds">(.*?)</table>', page, re.S)
    assert table is not None, "no flags-by-kind table"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(1), re.S)
    assert body is not None
    return [
        [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells]
        for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
        for cells in [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    ]


def test_the_report_counts_the_flags_of_each_kind_with_the_first_one_and_its_source(
    login, therapist_a, client_a, monkeypatch
):
    use_rule_coder(monkeypatch)
    http = login(therapist_a)
    appointment = client_a.episodes.get().appointments.order_by("starts_at").first()
    transcript = upload_and_confirm(http, appointment, "judgmental_session.txt")
    flags = transcript.flags
    assert len({flag["kind"] for flag in flags}) >= 2, "the fixture should raise several kinds"

    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()

    counts = Counter(flag["kind"] for flag in flags)
    first = {}
    for flag in flags:
        first.setdefault(flag["kind"], flag)
    assert _rows(page) == [
        [
            str(FLAG_LABELS[kind]),
            str(counts[kind]),
            f"Utterance {flag['utterance'] + 1}",
            html.unescape(flag["source"]),
        ]
        for kind, flag in first.items()
    ]
    assert f'<a href="#u{flags[0]["utterance"] + 1}">Utterance' in page
