"""The caseload's risk reads use the partial indexes that hold only risk answers, and
still find exactly the right answers once one is followed up.

Without the indexes the caseload read every response its clients ever gave, twice a view,
to find a handful of risk answers (63 ms each at 60 clients of 104 sessions, growing with
every session). A partial index is used only when the query states its condition, so
these tests fail if a selector's filter and the index's condition drift apart.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.measures.models import Response
from rapport.measures.selectors import (
    clients_with_unreviewed_risk,
    followed_up_risk_responses,
    risk_follow_ups_by_others,
    unreviewed_risk_responses,
)
from rapport.measures.services import response_record, response_risk_review
from tests.conftest import make_client

WHEN = timezone.make_aware(datetime(2026, 12, 6, 9, 0))


def phq9(client, key: str, *, item9: int, at: datetime = WHEN) -> Response:
    response, _ = response_record(
        client=client,
        instrument_id="phq9",
        answers={**{f"phq9_{n}": 1 for n in range(1, 9)}, "phq9_9": item9},
        source="api",
        idempotency_key=key,
        administered_at=at,
    )
    return response


def _plans(run) -> list[tuple[str, str]]:
    """(SQL, plan) of each query ``run`` makes on the responses table."""
    with CaptureQueriesContext(connection) as queries:
        run()
    found = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if not sql.startswith("SELECT") or '"measures_response"' not in sql:
            continue
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # A test table is tiny, where a sequential scan is cheapest: forbid it, so
                # the plan shows whether the index can serve the query at all.
                cursor.execute("SET LOCAL enable_seqscan = off")
                cursor.execute("EXPLAIN " + sql)
            else:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        found.append((sql, plan))
    assert found, "no query on the responses table"
    return found


def _assert_uses(index: str, run) -> None:
    for sql, plan in _plans(run):
        assert index in plan, f"{index} not used:\n{plan}\n{sql}"
        if connection.vendor == "sqlite":
            assert "SCAN measures_response" not in plan, plan
            assert f"USING INDEX {index}" in plan, plan
        else:
            assert "Seq Scan on measures_response" not in plan, plan


@pytest.fixture
def history(client_a, client_b, supervisor):
    """Client A: many answers without risk, one risk answer open and one followed up
    yesterday by the supervisor; client B: answers without risk only."""
    for n in range(12):
        phq9(client_a, f"a-{n}", item9=0, at=WHEN - timedelta(days=7 * n))
        phq9(client_b, f"b-{n}", item9=0, at=WHEN - timedelta(days=7 * n))
    open_ = phq9(client_a, "a-open", item9=2)
    done = phq9(client_a, "a-done", item9=1, at=WHEN - timedelta(days=2))
    response_risk_review(actor=supervisor, response=done, note="Called.", now=WHEN)
    return open_, done


@pytest.mark.django_db
def test_the_open_risk_reads_use_the_open_risk_index(history, client_a, therapist_a, supervisor):
    _assert_uses("response_open_risk_idx", lambda: clients_with_unreviewed_risk(therapist_a))
    _assert_uses("response_open_risk_idx", lambda: clients_with_unreviewed_risk(supervisor))
    _assert_uses("response_open_risk_idx", lambda: unreviewed_risk_responses(client_a))


@pytest.mark.django_db
def test_the_follow_up_reads_use_the_followed_up_risk_index(history, client_a, therapist_a):
    now = WHEN + timedelta(hours=1)
    _assert_uses(
        "response_followed_up_risk_idx", lambda: risk_follow_ups_by_others(therapist_a, now=now)
    )
    _assert_uses("response_followed_up_risk_idx", lambda: followed_up_risk_responses(client_a))


@pytest.mark.django_db
def test_the_indexes_exist_in_the_database_after_migrating():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Response._meta.db_table)
    assert constraints["response_open_risk_idx"]["columns"] == ["client_id"]
    assert constraints["response_followed_up_risk_idx"]["columns"] == [
        "client_id",
        "risk_reviewed_at",
    ]


@pytest.mark.django_db
def test_a_risk_answer_leaves_the_open_reads_when_followed_up_and_joins_the_follow_ups(
    client_a, therapist_a, supervisor
):
    quiet = phq9(client_a, "quiet", item9=0)
    risky = phq9(client_a, "risky", item9=1)
    assert quiet.risk_flags == [] and risky.risk_flags == ["phq9_9"]
    assert clients_with_unreviewed_risk(therapist_a) == {client_a.pk}
    assert clients_with_unreviewed_risk(supervisor) == {client_a.pk}
    assert [r.pk for r in unreviewed_risk_responses(client_a)] == [risky.pk]
    assert followed_up_risk_responses(client_a) == []
    assert risk_follow_ups_by_others(therapist_a, now=WHEN) == {}

    response_risk_review(actor=supervisor, response=risky, note="Called.", now=WHEN)

    assert clients_with_unreviewed_risk(therapist_a) == set()
    assert unreviewed_risk_responses(client_a) == []
    assert [r.pk for r in followed_up_risk_responses(client_a)] == [risky.pk]
    follow_ups = risk_follow_ups_by_others(therapist_a, now=WHEN + timedelta(hours=1))
    assert list(follow_ups) == [client_a.pk]
    assert follow_ups[client_a.pk].response_id == risky.pk
    # A week later the caseload no longer names it; the client page keeps it.
    assert risk_follow_ups_by_others(therapist_a, now=WHEN + timedelta(days=8)) == {}
    assert [r.pk for r in followed_up_risk_responses(client_a)] == [risky.pk]


@pytest.mark.django_db
def test_an_unanswered_risk_item_is_open_until_followed_up(client_a, therapist_a):
    """``risk_flags`` also holds a risk item left unanswered: it is asked about too."""
    response, _ = response_record(
        client=client_a,
        instrument_id="phq9",
        answers={f"phq9_{n}": 1 for n in range(1, 9)},
        source="api",
        idempotency_key="unanswered",
        administered_at=WHEN,
    )
    assert response.risk_flags == ["phq9_9"]
    assert clients_with_unreviewed_risk(therapist_a) == {client_a.pk}
    response_risk_review(actor=therapist_a, response=response, note="Asked.", now=WHEN)
    assert clients_with_unreviewed_risk(therapist_a) == set()
    # Followed up by the client's own therapist: not named on the caseload.
    assert risk_follow_ups_by_others(therapist_a, now=WHEN) == {}


@pytest.mark.django_db
def test_open_risk_is_scoped_to_the_users_clients(client_a, client_b, therapist_a, therapist_b):
    phq9(client_a, "a", item9=1)
    phq9(client_b, "b", item9=3)
    other = make_client(therapist_b, "Cy C.")
    phq9(other, "c", item9=0)
    assert clients_with_unreviewed_risk(therapist_a) == {client_a.pk}
    assert clients_with_unreviewed_risk(therapist_b) == {client_b.pk}
