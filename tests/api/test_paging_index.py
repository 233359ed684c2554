"""A page of a client's responses is read through the index in page order, not by sorting
every answer the client ever gave (``response_client_order_idx``, measures 0006)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.api.test_paging import record

from rapport.api.pagination import Position
from rapport.api.selectors import responses_page

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _page_plan(client, after) -> str:
    with CaptureQueriesContext(connection) as queries:
        responses_page(client, after=after, received_since=None, limit=2)
    (query,) = [q for q in queries.captured_queries if '"measures_response"' in q["sql"]]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Test tables are tiny, where a sequential scan and a sort are cheapest: forbid
            # both, so the plan shows whether the index can serve the query at all.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + query["sql"])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize("first_page", [True, False])
def test_a_page_is_read_in_order_from_the_index_without_a_sort(client_a, first_page):
    made = [record(client_a, n, START + timedelta(days=n)) for n in range(4)]
    after = None if first_page else Position(administered_at=made[1].administered_at, id=made[1].pk)
    plan = _page_plan(client_a, after)
    assert "response_client_order_idx" in plan, plan
    if connection.vendor == "sqlite":
        assert "TEMP B-TREE" not in plan, plan
    else:
        assert "Sort" not in plan, plan
