"""An open risk answer (PHQ-9 item 9, not yet followed up) is part of the triage: the first
thing in the client's "Needs attention" cell, a choice of the alert filter, and a count per
therapist in the team figures, with the caseload's queries still fixed in number."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import bulk_history, make_episode, outcome_answers, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def risk_answer(client):
    """A PHQ-9 whose item 9 ("better off dead") is answered "several days"."""
    answers = {**outcome_answers("phq9", 4), "phq9_9": 1}
    response = record(client, "phq9", answers, at=timezone.now() - dt.timedelta(hours=1))
    assert response.risk_flags
    return response


@pytest.fixture
def lena_and_gus(therapist_a):
    """Lena recovered (good news only) and has an open risk answer; Gus is reliably worse."""
    now = timezone.now()
    lena, _, held = make_episode(therapist_a, "Lena Recovered", sessions=5, now=now)
    bulk_history(lena, held, alliance=[38] * 5, outcome=[18, 14, 10, 7, 5])
    gus, _, held = make_episode(therapist_a, "Gus Worse", sessions=5, now=now)
    bulk_history(gus, held, alliance=[38] * 5, outcome=[10, 12, 14, 16, 18])
    recompute_alerts(now=now)
    return lena, gus, risk_answer(lena)


def rows_of(page: str) -> dict[str, str]:
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return {
        re.search(r'<a href="/clients/\d+/">([^<]+)</a>', row).group(1): row
        for row in body.split("</tr>")
        if "/clients/" in row
    }


def needs_attention(row: str) -> list[str]:
    """The tags of a row's "Needs attention" cell, in order, as read aloud."""
    cell = re.search(r'data-label="Needs attention">(.*?)</td>', row, re.DOTALL).group(1)
    items = re.findall(r"<li[^>]*>(.*?)</li>", cell, re.DOTALL)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_an_open_risk_answer_is_the_first_thing_needing_attention_above_every_alert(
    login, therapist_a, lena_and_gus
):
    page = login(therapist_a).get("/caseload/").content.decode()
    rows = rows_of(page)
    # Lena comes before Gus's reliable deterioration, and her cell says why, as high
    # priority; her good news ("Recovered") is not tagged beside an open risk answer (a
    # better total says nothing about the risk item).
    assert list(rows) == ["Lena Recovered", "Gus Worse"]
    assert needs_attention(rows["Lena Recovered"]) == ["! High priority: Risk answer"]
    name_cell = rows["Lena Recovered"][: rows["Lena Recovered"].index("</th>")]
    assert "Risk answer" not in name_cell
    assert needs_attention(rows["Gus Worse"])[0] == "! High priority: Worse"


def test_the_alert_filter_offers_open_risk_answers_and_keeps_only_those_clients(
    login, therapist_a, lena_and_gus
):
    http = login(therapist_a)
    page = http.get("/caseload/").content.decode()
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', page)
    assert options[:2] == [("", "All clients"), ("risk_answer", "Open risk answer")]
    page = http.get("/caseload/", {"kind": "risk_answer"}).content.decode()
    assert list(rows_of(page)) == ["Lena Recovered"]
    # Followed up, the answer leaves the filter, as it leaves the top of the caseload.
    _, _, response = lena_and_gus
    response.risk_reviewed_at = timezone.now()
    response.save(update_fields=["risk_reviewed_at"])
    page = http.get("/caseload/", {"kind": "risk_answer"}).content.decode()
    assert "No clients match this filter." in page and "Lena Recovered" not in page


def figures_row(page: str, name: str) -> list[str]:
    figures = page[page.index('id="figures-h"') :]
    row = figures[figures.index(f'<th scope="row">{name}') :]
    row = row[: row.index("</tr>")]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in row.split("<td>")[1:]]


def test_team_figures_count_clients_with_an_open_risk_answer_per_therapist(
    login, therapist_a, therapist_b, supervisor, lena_and_gus
):
    from rapport.accounts.models import SupervisionLink

    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    now = timezone.now()
    eli, _, held = make_episode(therapist_b, "Eli Other", sessions=3, now=now)
    bulk_history(eli, held, alliance=[38] * 3, outcome=[12, 12, 12])
    # Two open answers of one client are one client to reach.
    lena, _, _ = lena_and_gus
    risk_answer(lena)
    page = login(supervisor).get("/caseload/").content.decode()
    assert "Clients with an open risk answer" in page
    assert figures_row(page, "Therapist.A")[:2] == ["2", "1"]  # clients, open risk answers
    assert figures_row(page, "Therapist.B")[:2] == ["1", "0"]
    assert figures_row(page, "Team")[:2] == ["3", "1"]


def test_the_risk_answers_cost_no_query_per_client(login, therapist_a, supervisor):
    http = login(supervisor)
    now = timezone.now()

    def grow(start: int, count: int) -> None:
        for i in range(start, start + count):
            client, _, held = make_episode(therapist_a, f"Client {i:03d}", sessions=2, now=now)
            bulk_history(client, held, alliance=[38, 38], outcome=[12, 12])
            if i % 2:
                risk_answer(client)

    grow(0, 10)
    with CaptureQueriesContext(connection) as small:
        page = http.get("/caseload/", {"kind": "risk_answer"}).content.decode()
    assert len(rows_of(page)) == 5
    grow(10, 90)
    with CaptureQueriesContext(connection) as large:
        page = http.get("/caseload/", {"kind": "risk_answer"}).content.decode()
    assert len(rows_of(page)) == 50
    assert len(large.captured_queries) == len(small.captured_queries)
