"""A long questionnaire says near the top that the answers are kept only when sent.

The client page is sent no-store (right on a shared phone), so a reload or going away and
back clears every answer. On the 18-question C-NIP (about 5 minutes, some 12,000 px on a
phone) a client who left mid-way lost everything without a word of warning. The short
session check-in and the PHQ-9 (about 1 and 2 minutes) do not say it: one more thing to
read for nothing."""

from __future__ import annotations

import re
from html import unescape

import pytest
from tests.checkins._helpers import make_link

KEPT = (
    "Your answers are kept only when you press “Send my answers” at the end, so try to "
    "finish in one go."
)


def _text(html: str) -> str:
    """The page's text as read: no comments, tags or scripts, spaces collapsed."""
    html = re.sub(r"<!--.*?-->|<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _page_text(http, client, instrument_id: str) -> str:
    _, token = make_link(client, instrument_id)
    response = http.get(f"/c/{token}/")
    assert response.status_code == 200
    return _text(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instrument_id", "count", "minutes"),
    [("cnip", 18, 5), ("core10", 10, 3)],
)
def test_a_long_questionnaire_says_its_time_and_that_answers_are_kept_only_when_sent(
    client, client_a, instrument_id, count, minutes
):
    text = _page_text(client, client_a, instrument_id)
    note = f"{count} questions This takes about {minutes} minutes. {KEPT}"
    assert note in text
    # Near the top: said once, before the first question, not found at the end.
    assert text.count(KEPT) == 1
    assert text.index(KEPT) < text.index("Question 1 of")


@pytest.mark.django_db
@pytest.mark.parametrize("instrument_id", ["session-checkin", "phq9", "gad7"])
def test_a_short_questionnaire_does_not(client, client_a, instrument_id):
    text = _page_text(client, client_a, instrument_id)
    assert "Question 1 of" in text
    assert "kept only" not in text
    assert "This takes about" not in text
