"""A former client with a risk answer nobody has followed up is on the current caseload.

A check-in link answered after the client's episode ended is refused, and a risk answer on
it is kept as a notice (``checkins.models.RefusedRiskAnswer``). The client has no open
episode, so they were listed only under "Former clients", a page the therapist opens to
find a returning client, not every day. Now they are on the current list too, first, with
the risk tag and a line saying the episode ended, until someone records the follow-up. The
team figures count them among the clients with an open risk answer (and in no other
figure), as "How these are counted" says.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key, make_link
from tests.conftest import make_client

from rapport.checkins.models import RefusedRiskAnswer
from rapport.clinic.models import EndReason
from rapport.clinic.services import episode_end

pytestmark = pytest.mark.django_db

RISKY = {**PHQ9_ZERO, "phq9_9": "1"}  # "Several days"
ENDED = "a former client, listed here until the risk answer is followed up."


def rows(page: str) -> list[str]:
    """The caseload table's rows, in order (empty when there is no table)."""
    if "<tbody>" not in page:
        return []
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return body.split("<tr>")[1:]


def row_of(page: str, name: str) -> str:
    (found,) = [row for row in rows(page) if name in row]
    return found


def figures_row(page: str) -> list[str]:
    """The cells of the (single therapist's) figures row: clients, open risk answers, ..."""
    figures = page[page.index('id="figures-h"') :]
    body = figures[figures.index("<tbody>") : figures.index("</tbody>")]
    first = body[: body.index("</tr>")]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", first)]


def refused_after_the_end(http, client, therapist) -> None:
    """The client answers a link (item 9 at "Several days") after their episode ended."""
    checkin, token = make_link(client)
    key = form_key(http.get(f"/c/{token}/").content.decode())
    episode_end(
        actor=therapist,
        episode=checkin.episode,
        ended_on=timezone.localdate() - timedelta(days=2),
        end_reason=EndReason.PLANNED,
    )
    http.post(f"/c/{token}/", {**RISKY, "form_key": key})
    # Ending the episode revoked the link; the notice says the episode ended.
    assert RefusedRiskAnswer.objects.filter(client=client, reviewed_at=None).exists()


def test_a_former_client_with_a_refused_risk_answer_is_first_on_the_current_list(
    client, client_a, login, therapist_a
):
    make_client(therapist_a, "Carl Current")
    make_client(therapist_a, "Dora Current")
    refused_after_the_end(client, client_a, therapist_a)
    http = login(therapist_a)

    page = http.get("/caseload/").content.decode()
    listed = rows(page)
    assert len(listed) == 3
    first = listed[0]
    assert client_a.display_name in first and "Risk answer" in first
    day = (timezone.localdate() - timedelta(days=2)).strftime("%-d %b %Y")
    assert f"Episode ended {day}: {ENDED}" in first
    # Current clients' rows say nothing of the kind.
    assert ENDED not in row_of(page, "Carl Current")
    # Still on the former clients' list, where every ended client is.
    former = http.get("/caseload/", {"clients": "former"}).content.decode()
    assert client_a.display_name in row_of(former, client_a.display_name)
    assert ENDED not in former  # there it goes without saying
    # The figures count current clients, and the former client listed for a risk answer in
    # the open risk answers only, as "How these are counted" says: not "0" above its row.
    assert figures_row(page)[:2] == ["2", "1"]
    assert "Former clients are not counted here." in page
    assert (
        "former clients too while such an answer keeps them on the current list (one sent "
        "after their episode ended, say): counted here until it is followed up, though not "
        "under Clients." in " ".join(page.split())
    )


def test_it_leaves_the_current_list_once_followed_up(client, client_a, login, therapist_a):
    make_client(therapist_a, "Carl Current")
    refused_after_the_end(client, client_a, therapist_a)
    notice = RefusedRiskAnswer.objects.get()
    http = login(therapist_a)
    assert client_a.display_name in http.get("/caseload/").content.decode()

    note = "Phoned the client; safety plan reviewed, no current intent."
    done = http.post(f"/refused-risk-answers/{notice.pk}/followed-up/", {"note": note})
    assert done.status_code == 302

    page = http.get("/caseload/").content.decode()
    assert [client_a.display_name in row for row in rows(page)] == [False]
    assert ENDED not in page
    former = http.get("/caseload/", {"clients": "former"}).content.decode()
    assert "Risk answer" not in row_of(former, client_a.display_name)


def test_the_risk_answer_filter_and_the_supervisor_find_it(
    client, client_a, login, therapist_a, supervisor
):
    make_client(therapist_a, "Carl Current")
    refused_after_the_end(client, client_a, therapist_a)
    http = login(therapist_a)
    filtered = http.get("/caseload/", {"kind": "risk_answer"}).content.decode()
    assert [client_a.display_name in row for row in rows(filtered)] == [True]

    page = login(supervisor).get("/caseload/").content.decode()
    assert client_a.display_name in rows(page)[0] and ENDED in rows(page)[0]


def test_another_therapist_does_not_see_it(
    client, client_a, client_b, login, therapist_a, therapist_b
):
    refused_after_the_end(client, client_a, therapist_a)
    page = login(therapist_b).get("/caseload/").content.decode()
    assert client_a.display_name not in page and ENDED not in page
    assert [client_b.display_name in row for row in rows(page)] == [True]


def test_the_current_list_runs_the_same_queries_with_a_former_client_on_it(
    client, client_a, login, therapist_a
):
    make_client(therapist_a, "Carl Current")
    http = login(therapist_a)
    http.get("/caseload/")  # warm the caches
    with CaptureQueriesContext(connection) as before:
        http.get("/caseload/")
    refused_after_the_end(client, client_a, therapist_a)
    http = login(therapist_a)
    with CaptureQueriesContext(connection) as after:
        page = http.get("/caseload/").content.decode()
    assert ENDED in page
    assert len(after.captured_queries) == len(before.captured_queries)
