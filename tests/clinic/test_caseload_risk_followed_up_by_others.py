"""A risk answer (PHQ-9 item 9) followed up by someone other than the client's therapist (a
supervisor, say) is named on the therapist's caseload for a week: "Risk answer followed up
by Morgan Lee (supervisor), 7 Dec", linking to the record of what was done. Without it the
therapist learned of it only by opening the client's page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from tests.conftest import make_client

from rapport.measures.selectors import risk_follow_ups_by_others
from rapport.measures.services import response_record, response_risk_review

pytestmark = pytest.mark.django_db

NOTE = "Phoned; no plan or intent; safety plan reviewed."


def risk_answer(client, key: str):
    """A PHQ-9 answered a few days ago with item 9 on "Several days"."""
    response, _ = response_record(
        client=client,
        instrument_id="phq9",
        answers={f"phq9_{n}": 1 for n in range(1, 10)},
        source="api",
        idempotency_key=key,
        administered_at=timezone.now() - timedelta(days=10),
    )
    assert response.has_unreviewed_risk
    return response


def follow_up(response, by, *, days_ago: float):
    on = timezone.now() - timedelta(days=days_ago)
    response_risk_review(actor=by, response=response, note=NOTE, now=on)
    return on


def day(moment) -> str:
    return date_format(timezone.localtime(moment), "j M")


def caseload_notes(http) -> dict[str, str]:
    """Each client's follow-up note on the caseload, as read, with its link ("" if none)."""
    page = http.get("/caseload/").content.decode()
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    notes = {}
    for row in body.split("</tr>"):
        name = re.search(r'<a href="/clients/\d+/">([^<]+)</a>', row)
        if not name:
            continue
        note = re.search(r'<p class="help risk-followed-up"><a href="([^"]+)">(.*?)</a></p>', row)
        notes[html.unescape(name.group(1))] = (
            f"{html.unescape(note.group(2))} -> {note.group(1)}" if note else ""
        )
    return notes


@pytest.fixture
def morgan(supervisor):
    supervisor.full_name = "Morgan Lee"
    supervisor.save()
    return supervisor


def test_the_therapist_is_told_on_the_caseload_who_followed_up_their_clients_risk_answer(
    login, therapist_a, morgan
):
    cleo = make_client(therapist_a, "Cleo S.")
    response = risk_answer(cleo, "cleo")
    on = follow_up(response, morgan, days_ago=2)
    notes = caseload_notes(login(therapist_a))
    assert notes["Cleo S."] == (
        f"Risk answer followed up by Morgan Lee (supervisor), {day(on)}"
        f" -> /clients/{cleo.pk}/#risk-answer-{response.pk}"
    )


def test_the_supervisor_who_recorded_it_reads_it_as_their_own(login, therapist_a, morgan):
    cleo = make_client(therapist_a, "Cleo S.")
    on = follow_up(risk_answer(cleo, "cleo"), morgan, days_ago=1)
    note = caseload_notes(login(morgan))["Cleo S."]
    assert note.startswith(f"Risk answer followed up by Morgan Lee (you), {day(on)} -> ")


def test_no_note_when_the_therapist_followed_it_up_or_the_week_is_over(login, therapist_a, morgan):
    own = make_client(therapist_a, "Own F.")
    follow_up(risk_answer(own, "own"), therapist_a, days_ago=1)
    old = make_client(therapist_a, "Old W.")
    follow_up(risk_answer(old, "old"), morgan, days_ago=7.1)
    # The latest follow-up counts: the therapist followed up a later answer themselves.
    later = make_client(therapist_a, "Later T.")
    follow_up(risk_answer(later, "later-1"), morgan, days_ago=3)
    follow_up(risk_answer(later, "later-2"), therapist_a, days_ago=1)
    recent = make_client(therapist_a, "Recent R.")
    follow_up(risk_answer(recent, "recent"), morgan, days_ago=6.9)
    notes = caseload_notes(login(therapist_a))
    assert notes["Own F."] == notes["Old W."] == notes["Later T."] == ""
    assert notes["Recent R."].startswith("Risk answer followed up by Morgan Lee (supervisor)")


def test_an_open_risk_answer_keeps_its_tag_beside_the_note(login, therapist_a, morgan):
    cleo = make_client(therapist_a, "Cleo S.")
    follow_up(risk_answer(cleo, "cleo-1"), morgan, days_ago=1)
    risk_answer(cleo, "cleo-2")
    page = login(therapist_a).get("/caseload/").content.decode()
    row = page[page.index("Cleo S.") :]
    row = row[: row.index("</tr>")]
    assert "High priority:" in row and "Risk answer followed up by Morgan Lee" in row


def test_one_query_for_every_client_and_no_note_is_read(therapist_a, morgan):
    responses = {}
    for n in range(5):
        client = make_client(therapist_a, f"Client {n}", with_episode=False)
        responses[client.pk] = risk_answer(client, f"r{n}")
        follow_up(responses[client.pk], morgan, days_ago=1)
    with CaptureQueriesContext(connection) as queries:
        found = risk_follow_ups_by_others(therapist_a, now=timezone.now())
        described = {pk: (f.by, f.role, f.response_id) for pk, f in found.items()}
    assert len(queries.captured_queries) == 1
    # The notes are client free text, encrypted: not decrypted for a caseload.
    assert "risk_review_note" not in queries.captured_queries[0]["sql"]
    assert described == {pk: ("Morgan Lee", "supervisor", r.pk) for pk, r in responses.items()}
