"""Former clients (every episode ended) can be listed from the caseload, scoped and audited
like the caseload, in the same fixed number of queries, so a returning client is found
without typing their id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.conftest import make_client, make_user

from rapport.accounts.models import Role, SupervisionLink
from rapport.audit.models import AuditEvent
from rapport.clinic.models import EndReason, Episode, Phase
from rapport.clinic.selectors import caseload_for

pytestmark = pytest.mark.django_db


def end_episodes(client) -> None:
    client.episodes.update(
        phase=Phase.CLOSED,
        ended_on=timezone.localdate() - timedelta(days=3),
        end_reason=EndReason.PLANNED,
    )


def former_of(therapist, name):
    client = make_client(therapist, name)
    end_episodes(client)
    return client


def table(page: str) -> str:
    return page[page.index("<tbody>") : page.index("</tbody>")] if "<tbody>" in page else ""


def names(rows):
    return [row.client.display_name for row in rows]


def test_a_former_client_is_listed_on_request_and_only_there(login, therapist_a):
    former_of(therapist_a, "Rita Returning")
    make_client(therapist_a, "Carl Current")
    assert names(caseload_for(therapist_a)) == ["Carl Current"]
    assert names(caseload_for(therapist_a, former=True)) == ["Rita Returning"]
    http = login(therapist_a)
    current = http.get("/caseload/").content.decode()
    assert "Rita Returning" not in table(current) and "Carl Current" in table(current)
    assert 'href="/caseload/?clients=former">Show former clients</a>' in current
    page = http.get("/caseload/", {"clients": "former"}).content.decode()
    assert "Rita Returning" in table(page) and "Carl Current" not in table(page)
    assert "Former clients</h2>" in page
    assert http.get("/caseload/", {"clients": "everyone"}).status_code == 400


def test_therapist_b_never_sees_therapist_as_former_clients(login, therapist_a, therapist_b):
    rita = former_of(therapist_a, "Rita Returning")
    former_of(therapist_b, "Bea Former")
    assert names(caseload_for(therapist_b, former=True)) == ["Bea Former"]
    page = login(therapist_b).get("/caseload/", {"clients": "former"}).content.decode()
    assert "Rita Returning" not in page and "Bea Former" in table(page)
    # Nor through the therapist filter (a therapist has no such field: it is ignored).
    page = (
        login(therapist_b)
        .get("/caseload/", {"clients": "former", "therapist": therapist_a.pk})
        .content.decode()
    )
    assert "Rita Returning" not in page
    assert not AuditEvent.objects.filter(client_id=rita.pk).exists()


def test_a_supervisor_sees_only_their_supervisees_former_clients(
    login, therapist_a, therapist_b, supervisor
):
    former_of(therapist_a, "Rita Returning")
    former_of(therapist_b, "Bea Former")
    outsider = make_user(therapist_a.clinic, "outsider@test.invalid", Role.THERAPIST)
    former_of(outsider, "Zed Outside")
    assert names(caseload_for(supervisor, former=True)) == ["Rita Returning"]
    SupervisionLink.objects.create(supervisor=supervisor, supervisee=therapist_b)
    page = login(supervisor).get("/caseload/", {"clients": "former"}).content.decode()
    assert "Rita Returning" in table(page) and "Bea Former" in table(page)
    assert "Zed Outside" not in page


def test_reading_the_former_clients_is_audited_per_client_shown(login, therapist_a):
    rita = former_of(therapist_a, "Rita Returning")
    carl = make_client(therapist_a, "Carl Current")
    login(therapist_a).get("/caseload/", {"clients": "former"})
    events = AuditEvent.objects.filter(target="caseload:former")
    assert [e.client_id for e in events] == [rita.pk]
    assert not AuditEvent.objects.filter(client_id=carl.pk).exists()


def test_a_client_with_an_open_episode_stays_current_even_if_a_closed_one_started_later(
    therapist_a,
):
    client = make_client(therapist_a, "Olga Open")
    # A later episode that ended, and the open one back-dated before it.
    Episode.objects.create(
        client=client,
        started_on=timezone.localdate() - timedelta(days=20),
        phase=Phase.CLOSED,
        ended_on=timezone.localdate() - timedelta(days=10),
        end_reason=EndReason.PLANNED,
    )
    assert names(caseload_for(therapist_a)) == ["Olga Open"]
    assert caseload_for(therapist_a)[0].episode.phase != Phase.CLOSED
    assert caseload_for(therapist_a, former=True) == []


def test_a_client_with_no_episode_yet_is_current_not_former(therapist_a):
    make_client(therapist_a, "Nina New", with_episode=False)
    assert names(caseload_for(therapist_a)) == ["Nina New"]
    assert caseload_for(therapist_a, former=True) == []


def test_the_former_list_runs_the_same_queries_for_few_and_many_clients(login, therapist_a):
    http = login(therapist_a)
    make_client(therapist_a, "Carl Current")
    for i in range(3):
        former_of(therapist_a, f"Small {i}")
    with CaptureQueriesContext(connection) as current:
        http.get("/caseload/")
    with CaptureQueriesContext(connection) as small:
        http.get("/caseload/", {"clients": "former"})
    for i in range(30):
        former_of(therapist_a, f"Large {i:02d}")
    with CaptureQueriesContext(connection) as large:
        page = http.get("/caseload/", {"clients": "former"}).content.decode()
    assert table(page).count('<th scope="row">') == 33
    assert len(large.captured_queries) == len(small.captured_queries)
    assert len(small.captured_queries) == len(current.captured_queries)


def test_the_former_list_says_when_and_how_each_episode_ended(login, therapist_a):
    """A former client's phase is always "Closed" and nothing is booked: the list shows the
    end date and reason instead of those two columns."""
    rita = former_of(therapist_a, "Rita Returning")
    rita.episodes.update(end_reason=EndReason.DROPPED_OUT)
    make_client(therapist_a, "Carl Current")
    http = login(therapist_a)
    page = http.get("/caseload/", {"clients": "former"}).content.decode()
    ended = (timezone.localdate() - timedelta(days=3)).strftime("%-d %b %Y")
    assert f'data-label="Ended">{ended}: Client dropped out</td>' in table(page)
    assert ">Next appointment</th>" not in page and ">Phase</th>" not in page
    current = http.get("/caseload/").content.decode()
    assert ">Next appointment</th>" in current and ">Ended</th>" not in current
