"""The check-ins section of a client with a long history: each score table shows its latest
10 answers with a link to all of them (the chart still draws every one), the "felt pushed"
list too, and the latest comments still come from the answers' encrypted free text, which
is decrypted only for the check-ins whose comments may be shown.
"""

from __future__ import annotations

import html
import re

import pytest
from tests.clinic.test_client_page_cost import history

from rapport.lib.crypto import KeyRing


def _table(page: str, instrument: str) -> str:
    start = page.index(f'id="series-{instrument}"')
    return re.search(r'<table class="scores".*?</table>', page[start:], re.S).group(0)


def _body_rows(table: str) -> int:
    return table.split("<tbody>")[1].count("<tr")


@pytest.mark.django_db
def test_a_score_table_shows_the_latest_10_and_links_to_every_answer(login, therapist_a, client_a):
    history(client_a, 40)
    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    phq9 = _table(page, "phq9")
    assert _body_rows(phq9) == 10
    # Latest first: session 40 heads the table, session 31 ends it, 30 is not shown.
    sessions = re.findall(r'<td class="session">(\d+)</td>', phq9)
    assert sessions == [str(n) for n in range(40, 30, -1)]
    # The chart still draws all 40 (its description says so).
    assert "PHQ-9 total over 40 sessions" in page
    link = re.search(r'<a href="([^"]*)">Show all 40 PHQ-9 answers</a>', page)
    assert link is not None
    assert html.unescape(link.group(1)).endswith("?all=scores-phq9#series-phq9")
    every = http.get(html.unescape(link.group(1))).content.decode()
    sessions = re.findall(r'<td class="session">(\d+)</td>', _table(every, "phq9"))
    assert sessions == [str(n) for n in range(40, 0, -1)]
    # Only the list asked for is opened: the check-in table still shows its latest 10.
    assert _body_rows(_table(every, "session-checkin")) == 10
    assert "Show all 40 Check-in answers" in every


@pytest.mark.django_db
def test_the_felt_pushed_list_is_bounded_too(login, therapist_a, client_a):
    history(client_a, 40, pushed_every=2)  # 20 "a little" answers
    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    pushed = re.search(r'<ul class="pushed">.*?</ul>', page, re.S).group(0)
    assert pushed.count("<li") == 10
    link = re.search(r"<a href=\"([^\"]*)\">Show all 20 “felt pushed” answers</a>", page)
    assert link is not None
    every = http.get(html.unescape(link.group(1))).content.decode()
    assert re.search(r'<ul class="pushed">.*?</ul>', every, re.S).group(0).count("<li") == 20


@pytest.mark.django_db
def test_the_latest_comments_are_shown_and_only_check_in_texts_are_decrypted(
    login, therapist_a, client_a, monkeypatch
):
    history(client_a, 40)
    http = login(therapist_a)
    http.get(f"/clients/{client_a.pk}/")
    decrypted = []
    original = KeyRing.decrypt

    def counting(self, token):
        decrypted.append(token)
        return original(self, token)

    monkeypatch.setattr(KeyRing, "decrypt", counting)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    comments = re.search(r'<ul class="comments">.*?</ul>', page, re.S).group(0)
    assert re.findall(r"<q>(Comment \d+)</q>", comments) == [
        f"Comment {n}" for n in range(40, 35, -1)
    ]
    # 80 answers: the check-ins' free text (40) and what else the page shows that is kept
    # encrypted (the client's details, goals: 27 here), fewer than one per answer; it was
    # two per answer, both encrypted columns of every answer, and those again (187).
    assert len(decrypted) < 80
