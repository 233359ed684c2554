"""Following up a risk answer (PHQ-9 item 9) leaves a record: who, when, and what was done.

Without a note nobody can later show a risk assessment was done, and a therapist whose
supervisor closed the notice cannot tell what happened (walkthrough: the red box vanished
and the only trace was "risk answer" in the PHQ-9 table)."""

from __future__ import annotations

import logging
import re

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins._helpers import PHQ9_ZERO, make_link, open_and_answer

from rapport.audit.models import Action, AuditEvent
from rapport.measures.models import Response

pytestmark = pytest.mark.django_db

NOTE = "Phoned her the same day: passive thoughts, no plan or intent; safety plan reviewed."


@pytest.fixture
def risk_answer(client, client_a):
    """Client A answers "Several days" to PHQ-9 item 9 through a link."""
    _, token = make_link(client_a)
    assert open_and_answer(client, token, {**PHQ9_ZERO, "phq9_9": "1"}).status_code == 200
    response = Response.objects.get(client=client_a)
    assert response.has_unreviewed_risk
    return response


def _follow_up(http, response, note=NOTE):
    return http.post(f"/responses/{response.pk}/risk-reviewed/", {"note": note})


def _today() -> str:
    return date_format(timezone.localdate(), "j M Y")


def _page(http, client) -> str:
    return http.get(f"/clients/{client.pk}/").content.decode()


@pytest.mark.parametrize("note", ["", "   \n  "])
def test_a_follow_up_without_a_note_is_refused_and_the_notice_stays(
    login, therapist_a, client_a, risk_answer, note
):
    http = login(therapist_a)
    reply = _follow_up(http, risk_answer, note)
    assert reply.status_code == 400
    page = reply.content.decode()
    assert "Say what you did to follow this up" in page
    # The page shows which answer is being followed up, and the form to try again.
    assert "Several days" in page and 'name="note"' in page
    risk_answer.refresh_from_db()
    assert risk_answer.risk_reviewed_at is None
    assert "Risk answer to follow up" in _page(http, client_a)


def test_a_note_too_long_is_refused_and_kept_for_correcting(login, therapist_a, risk_answer):
    reply = _follow_up(login(therapist_a), risk_answer, "x" * 2001)
    assert reply.status_code == 400
    page = reply.content.decode()
    assert "Please shorten the note to 2000 characters or fewer (it has 2001)" in page
    assert "x" * 2001 in page  # what was typed is not lost
    risk_answer.refresh_from_db()
    assert risk_answer.risk_reviewed_at is None


def test_line_breaks_count_as_the_browser_counts_them(login, therapist_a, risk_answer):
    # 2000 characters as the textarea counts them, sent with CRLF line breaks.
    note = "\r\n".join(["y" * 99] * 20)
    assert len(note.replace("\r\n", "\n")) == 1999
    assert _follow_up(login(therapist_a), risk_answer, note).status_code == 302


def test_the_note_is_stored_encrypted(login, therapist_a, risk_answer):
    _follow_up(login(therapist_a), risk_answer)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT risk_review_note FROM measures_response WHERE id = %s", [risk_answer.pk]
        )
        (raw,) = cursor.fetchone()
    assert "safety plan" not in raw
    risk_answer.refresh_from_db()
    assert risk_answer.risk_review_note == NOTE


def test_the_note_is_never_logged(login, therapist_a, risk_answer, caplog):
    with caplog.at_level(logging.DEBUG):
        http = login(therapist_a)
        _follow_up(http, risk_answer)
        _follow_up(http, risk_answer, "")  # and the error page
    assert "safety plan" not in caplog.text
    assert not AuditEvent.objects.filter(target__contains="safety").exists()


def test_the_client_page_keeps_who_followed_up_when_and_what_was_done(
    login, therapist_a, supervisor, client_a, risk_answer
):
    reply = _follow_up(login(supervisor), risk_answer)
    assert reply.status_code == 302
    assert reply["Location"].endswith(f"/clients/{client_a.pk}/")
    page = _page(login(therapist_a), client_a)
    # The alarm is gone; the record stays, naming the supervisor who closed it.
    assert "Risk answer to follow up" not in page
    history = page.split('aria-labelledby="risk-history-h"', 1)[1].split("</section>", 1)[0]
    assert "Risk answers followed up" in history
    line = re.sub(r"\s+", " ", history.split(f'id="risk-answer-{risk_answer.pk}"', 1)[1])
    assert "PHQ-9 item 9 on" in line and "“Several days”" in line
    assert f"Followed up by Supervisor (supervisor) on {_today()}:" in line
    assert "no plan or intent; safety plan reviewed." in line
    # It does not read as an open alarm: not in the red notice, no form to close it.
    assert 'class="card risk-history"' in page
    assert "notice risk-notice" not in page and "risk-reviewed" not in page
    # Above the episode, where the notice was: the first thing the therapist reads.
    assert page.index("Risk answers followed up") < page.index("Current episode")


def test_a_follow_up_from_before_notes_says_it_has_none(login, therapist_a, client_a, risk_answer):
    # As stored before the note was asked for (migration measures 0004 leaves it empty).
    risk_answer.risk_reviewed_at = timezone.now()
    risk_answer.risk_reviewed_by = therapist_a
    risk_answer.save(update_fields=["risk_reviewed_at", "risk_reviewed_by"])
    page = re.sub(r"\s+", " ", _page(login(therapist_a), client_a))
    assert (
        f"Followed up by Therapist.A (therapist) on {_today()}: "
        '<span class="muted">no note recorded (before notes were asked for)</span>'
    ) in page


def test_the_form_on_the_notice_works_without_script(login, therapist_a, client_a, risk_answer):
    http = login(therapist_a)
    page = _page(http, client_a)
    form = page.split('<section class="notice risk-notice"', 1)[1].split("</form>", 1)[0]
    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1)
    assert re.search(r'<textarea [^>]*name="note"[^>]*maxlength="2000" required', form)
    assert "What did you do to follow this up, and what came of it?" in form
    assert http.post(action, {"note": NOTE}).status_code == 302
    risk_answer.refresh_from_db()
    assert risk_answer.risk_reviewed_by == therapist_a and risk_answer.risk_review_note == NOTE


def test_a_double_click_records_one_follow_up(login, therapist_a, client_a, risk_answer):
    http = login(therapist_a)
    first, second = _follow_up(http, risk_answer), _follow_up(http, risk_answer)
    assert first.status_code == second.status_code == 302
    assert (
        AuditEvent.objects.filter(action=Action.UPDATE, target=f"response:{risk_answer.pk}").count()
        == 1
    )
    page = _page(http, client_a)
    assert page.count("Followed up by") == 1


def test_a_second_tab_does_not_overwrite_the_first_note(
    login, therapist_a, supervisor, client_a, risk_answer
):
    _follow_up(login(therapist_a), risk_answer)
    reply = _follow_up(login(supervisor), risk_answer, "Discussed in supervision, no action.")
    assert reply.status_code == 409
    page = re.sub(r"\s+", " ", reply.content.decode())
    assert "Therapist.A (therapist) already recorded a follow-up of this risk answer" in page
    assert "so your note was not saved" in page
    assert "safety plan reviewed" in page  # theirs, as recorded
    assert "Discussed in supervision, no action." in page  # and the sender's, not lost
    assert 'type="submit"' not in page.split("<main", 1)[-1]
    risk_answer.refresh_from_db()
    assert risk_answer.risk_reviewed_by == therapist_a and risk_answer.risk_review_note == NOTE
    assert (
        AuditEvent.objects.filter(action=Action.UPDATE, target=f"response:{risk_answer.pk}").count()
        == 1
    )


def test_the_page_shown_again_is_audited_as_a_read_naming_no_risk(
    login, therapist_a, client_a, risk_answer
):
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    _follow_up(login(therapist_a), risk_answer, "")
    added = AuditEvent.objects.exclude(pk__in=before)
    assert [(e.action, e.target, e.client_id) for e in added] == [
        (Action.VIEW, f"response:{risk_answer.pk}", client_a.pk)
    ]
