"""The caseload shows no good-news tag ("Recovered") beside an open risk answer: a better
PHQ-9 total says nothing about the risk item, and a green tag next to "! Risk answer" reads
as reassurance. Once the answer is followed up, the tag is back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from tests.monitoring.db.helpers import bulk_history, make_episode, outcome_answers, record

from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _hooks_off(monkeypatch):
    from rapport.core import hooks

    monkeypatch.setattr(hooks, "_response_listeners", [])
    monkeypatch.setattr(hooks, "_attendance_listeners", [])


def _row(page: str, name: str) -> str:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    start = body.index(name)
    return body[start : body.index("</tr>", start)]


def test_recovered_is_not_tagged_beside_an_open_risk_answer(login, therapist_a):
    now = timezone.now()
    client, _, held = make_episode(therapist_a, "Ann Recovered", sessions=5, now=now)
    bulk_history(client, held, alliance=[38] * 5, outcome=[18, 14, 10, 7, 5])
    recompute_alerts(now=now)
    http = login(therapist_a)
    assert ">Recovered</li>" in _row(http.get("/caseload/").content.decode(), "Ann Recovered")

    # A low total with "several days" on PHQ-9 item 9.
    answers = {**outcome_answers("phq9", 4), "phq9_9": 1}
    response = record(client, "phq9", answers, at=now - dt.timedelta(minutes=30))
    assert response.risk_flags
    row = _row(http.get("/caseload/").content.decode(), "Ann Recovered")
    assert "Risk answer</li>" in row
    assert ">Recovered</li>" not in row

    response.risk_reviewed_at = timezone.now()
    response.save(update_fields=["risk_reviewed_at"])
    row = _row(http.get("/caseload/").content.decode(), "Ann Recovered")
    assert "Risk answer</li>" not in row and ">Recovered</li>" in row
