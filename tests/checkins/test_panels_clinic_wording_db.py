"""The client page's risk notices and "felt pushed" answers quote the clinic's wording.

A clinic can load its own wording for an instrument (a translation, or licensed wording:
docs/instruments.md). The score table and the preferences panel read the clinic's instrument
(``checkins.panels.clinic_instrument``), but the risk notice (question, answer, guidance),
its follow-up record, the notice of a risk answer sent on a refused link, and the "felt
pushed or overridden" labels read the shipped definition, so the therapist read the shipped
words beside a client who was asked in the clinic's. Which items are risk items, and from
which answer, stay the definition's: a wording file changes words only.

The wording below is synthetic: it only has to differ from the shipped text.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link, record_answer

from rapport.checkins.models import CheckIn
from rapport.checkins.services import FORM_GRACE
from rapport.measures.registry import get_instrument
from rapport.measures.services import response_risk_review, wording_upload

pytestmark = pytest.mark.django_db

OPTION = {0: "option zero", 1: "option one", 2: "option two", 3: "option three"}
PUSHED = {0: "not at all pushed", 1: "pushed a little", 2: "pushed, yes"}
COMMENT_QUESTION = "Clinic wording: the question about doing things differently"
SCALES = {"goals": 9, "approach": 9, "relationship": 9, "overall": 9}


def clinic_words(text: str) -> str:
    return f"Clinic wording: {text}"


def phq9_file() -> dict:
    phq9 = get_instrument("phq9")
    return {
        "instrument": "phq9",
        "version": phq9.version,
        "items": {item.id: clinic_words(f"question {item.id}") for item in phq9.items},
        "anchors": {"*": {str(value): clinic_words(label) for value, label in OPTION.items()}},
    }


def checkin_file() -> dict:
    checkin = get_instrument("session-checkin")
    items = {item.id: clinic_words(f"question {item.id}") for item in checkin.items}
    return {
        "instrument": "session-checkin",
        "version": checkin.version,
        "items": {**items, "differently": COMMENT_QUESTION},
        "anchors": {"pushed": {str(value): clinic_words(label) for value, label in PUSHED.items()}},
    }


@pytest.fixture
def worded(clinic, admin_user):
    for data in (phq9_file(), checkin_file()):
        wording_upload(actor=admin_user, clinic=clinic, text=json.dumps(data))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def section(page: str, start_marker: str, end_marker: str = "</section>") -> str:
    start = page.index(start_marker)
    return text(page[start : page.index(end_marker, start)])


def client_page(http, client) -> str:
    return http.get(f"/clients/{client.pk}/").content.decode()


def risk_answer(client, value: int = 2, *, key: str = "risk"):
    return record_answer(
        client,
        "phq9",
        {**{item: 0 for item in PHQ9_ZERO}, "phq9_9": value},
        key=key,
        ago=timedelta(hours=1),
    )


def test_the_risk_notice_quotes_the_question_and_answer_in_the_clinics_wording(
    worded, login, therapist_a, client_a
):
    risk_answer(client_a, 2)
    notice = section(client_page(login(therapist_a), client_a), 'id="risk-h"')
    assert "the client answered “Clinic wording: option two” to PHQ-9 item 9" in notice
    assert "“Clinic wording: question phq9_9”" in notice
    # The guidance names the last answer not at risk (the definition's threshold, 1) in the
    # clinic's words.
    assert "Any answer above “Clinic wording: option zero” calls for" in notice
    shipped = get_instrument("phq9")
    assert shipped.item("phq9_9").wording not in notice
    assert "More than half the days" not in notice and "Not at all" not in notice


def test_a_followed_up_risk_answer_is_recorded_in_the_clinics_wording(
    worded, login, therapist_a, client_a
):
    response = risk_answer(client_a, 3)
    response_risk_review(actor=therapist_a, response=response, note="Talked it through.")
    history = section(client_page(login(therapist_a), client_a), 'id="risk-history-h"')
    assert "PHQ-9 item 9 on" in history
    assert "“Clinic wording: option three”" in history
    assert "Nearly every day" not in history


def test_a_risk_answer_on_a_refused_link_names_the_question_in_the_clinics_wording(
    worded, client, login, therapist_a, client_a
):
    checkin, token = make_link(client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    CheckIn.objects.filter(pk=checkin.pk).update(
        expires_at=timezone.now() - FORM_GRACE - timedelta(hours=1)
    )
    client.post(f"/c/{token}/", {**PHQ9_ZERO, "phq9_9": "1", "form_key": key})
    notice = section(client_page(login(therapist_a), client_a), 'id="risk-h"')
    assert "The question: PHQ-9 item 9, “Clinic wording: question phq9_9”." in notice
    assert "Any answer above “Clinic wording: option zero” calls for" in notice
    assert get_instrument("phq9").item("phq9_9").wording not in notice


def test_the_follow_up_page_shown_again_quotes_the_clinics_wording(
    worded, login, therapist_a, client_a
):
    response = risk_answer(client_a, 2)
    page = login(therapist_a).post(f"/responses/{response.pk}/risk-reviewed/", {"note": ""})
    assert page.status_code == 400
    shown = text(page.content.decode())
    assert "the client answered “Clinic wording: option two” to PHQ-9 item 9" in shown
    assert "More than half the days" not in shown


def test_the_felt_pushed_answers_are_labelled_in_the_clinics_wording(
    worded, login, therapist_a, client_a
):
    record_answer(
        client_a, "session-checkin", {**SCALES, "pushed": 2}, key="pushed", ago=timedelta(hours=1)
    )
    page = client_page(login(therapist_a), client_a)
    pushed = section(page, 'id="pushed-h"', "</ul>")
    assert "Clinic wording: pushed, yes" in pushed
    assert not re.search(r"\bYes\b", pushed)


def test_the_comments_heading_quotes_the_question_as_the_clinic_asks_it(
    worded, login, therapist_a, client_a
):
    record_answer(
        client_a,
        "session-checkin",
        {**SCALES, "pushed": 0, "differently": "Synthetic comment for the test."},
        key="comment",
        ago=timedelta(hours=1),
    )
    page = client_page(login(therapist_a), client_a)
    comments = page[page.index('<ul class="comments">') - 300 : page.index('<ul class="comments">')]
    assert f"“{COMMENT_QUESTION}” (latest)" in text(comments)


def test_without_a_wording_file_the_page_keeps_the_shipped_wording(login, therapist_a, client_a):
    risk_answer(client_a, 2)
    record_answer(
        client_a,
        "session-checkin",
        {**SCALES, "pushed": 1, "differently": "Synthetic comment for the test."},
        key="shipped",
        ago=timedelta(hours=2),
    )
    page = client_page(login(therapist_a), client_a)
    notice = section(page, 'id="risk-h"')
    assert "the client answered “More than half the days” to PHQ-9 item 9" in notice
    assert "Any answer above “Not at all” calls for" in notice
    assert "A little" in section(page, 'id="pushed-h"', "</ul>")
    shipped_question = get_instrument("session-checkin").item("differently").wording
    assert f"“{shipped_question}” (latest)" in text(page)
    assert "Clinic wording" not in page


def test_the_clinics_wording_is_read_once_a_page_not_once_a_notice(
    worded, login, therapist_a, client_a
):
    risk_answer(client_a, 1, key="first")
    record_answer(
        client_a, "session-checkin", {**SCALES, "pushed": 2}, key="p0", ago=timedelta(hours=1)
    )
    http = login(therapist_a)
    client_page(http, client_a)  # warm caches (instrument registry, sessions)
    with CaptureQueriesContext(connection) as one:
        client_page(http, client_a)
    for n in range(3):
        risk_answer(client_a, 2, key=f"more-{n}")
    with CaptureQueriesContext(connection) as four:
        page = client_page(http, client_a)
    assert section(page, 'id="risk-h"').count("Clinic wording: option two") == 3
    wordings = [q for q in four.captured_queries if "measures_clinicwording" in q["sql"]]
    # Which instruments have a file (one query), then the PHQ-9's and the check-in's files.
    assert len(wordings) == 3
    assert len(four.captured_queries) == len(one.captured_queries)
