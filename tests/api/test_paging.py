"""Paging a client's responses by cursor (docs/api.md, "Paging"): each response read once
and in order, even as new ones are recorded between pages; a bad cursor, limit or since is
a 422 that says what is wrong; the scope and the audit are those of any other call."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.conftest import make_client

from rapport.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from rapport.api.services import api_token_create
from rapport.audit.models import AuditEvent
from rapport.measures.models import Response
from rapport.measures.services import response_record

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def record(client, n: int, when: datetime) -> Response:
    response, created = response_record(
        client=client,
        instrument_id="phq9",
        answers={f"phq9_{i}": n % 4 for i in range(1, 10)},
        source="import",
        idempotency_key=f"paging-{client.pk}-{n}",
        administered_at=when,
    )
    assert created
    return response


@pytest.fixture
def many(client_a):
    """250 responses; every three share a moment (a check-in and two measures given
    together), so pages end inside a run of equal dates and the id must decide. One is
    recorded (scored) as usual, the rest stored as copies of it in one query (quicker)."""
    first = record(client_a, 0, START)
    copies = []
    for n in range(1, 250):
        copy = Response.objects.get(pk=first.pk)
        copy.pk = None
        copy.idempotency_key = f"paging-{client_a.pk}-{n}"
        copy.administered_at = START + timedelta(days=n // 3)
        copies.append(copy)
    Response.objects.bulk_create(copies)
    return client_a


@pytest.fixture
def two(client_a):
    """Two responses: with limit=1, a first page and a cursor."""
    for n in range(2):
        record(client_a, n, START + timedelta(days=n))
    return client_a


@pytest.fixture
def token(therapist_a):
    return api_token_create(actor=None, user=therapist_a)[1]


def path(client) -> str:
    return f"/api/v1/clients/{client.pk}/responses"


def expected_order(client) -> list[int]:
    return list(
        Response.objects.filter(client=client)
        .order_by("administered_at", "pk")
        .values_list("pk", flat=True)
    )


def read_all(http, client, token, **query) -> tuple[list[int], list]:
    """Follow the X-Next-Cursor headers to the end: the ids read, and each reply."""
    ids: list[int] = []
    replies = []
    cursor = None
    while True:
        params = dict(query, **({"cursor": cursor} if cursor else {}))
        reply = http.get(path(client), params, **bearer(token))
        assert reply.status_code == 200, reply.content
        replies.append(reply)
        ids += [r["id"] for r in reply.json()]
        cursor = reply.headers.get("X-Next-Cursor")
        if cursor is None:
            return ids, replies


@pytest.mark.django_db
def test_paging_through_250_responses_reads_each_once_oldest_first(client, many, token):
    ids, replies = read_all(client, many, token)
    assert [len(r.json()) for r in replies] == [100, 100, 50]
    assert ids == expected_order(many)
    assert len(set(ids)) == 250
    # Oldest first by date, then id, across the page boundaries too.
    dates = [r["date"] for reply in replies for r in reply.json()]
    assert dates == sorted(dates)
    assert "Link" not in replies[-1].headers


@pytest.mark.django_db
def test_the_link_header_is_the_next_pages_url_with_the_same_limit_and_since(client, many, token):
    first = client.get(path(many), {"limit": 120, "since": "2020-01-01T00:00:00Z"}, **bearer(token))
    link = first.headers["Link"]
    assert link.startswith("<http://testserver/api/v1/") and link.endswith('>; rel="next"')
    url = link[1 : link.index(">")]
    query = parse_qs(urlsplit(url).query)
    assert query["limit"] == ["120"]
    assert query["cursor"] == [first.headers["X-Next-Cursor"]]
    assert datetime.fromisoformat(query["since"][0]) == datetime(2020, 1, 1, tzinfo=UTC)
    second = client.get(url, **bearer(token))
    assert [r["id"] for r in first.json() + second.json()] == expected_order(many)[:240]


@pytest.mark.django_db
def test_a_response_recorded_between_pages_is_read_exactly_once(client, many, token):
    first = client.get(path(many), {"limit": 100}, **bearer(token))
    last_on_page = first.json()[-1]
    # One given at the very moment of the page's last row (a larger id: it sorts after it),
    # and one just now: both after the cursor, each read once on a later page.
    same_moment = record(many, 1000, datetime.fromisoformat(last_on_page["date"]))
    just_now = record(many, 1001, START + timedelta(days=400))
    cursor = first.headers["X-Next-Cursor"]
    rest, _ = read_all(client, many, token, limit=100, cursor=cursor)
    ids = [r["id"] for r in first.json()] + rest
    assert ids.count(same_moment.pk) == 1 and ids.count(just_now.pk) == 1
    assert len(ids) == len(set(ids)) == 252
    assert ids == expected_order(many)


@pytest.mark.django_db
def test_without_parameters_the_oldest_100_come_with_a_cursor_for_the_rest(client, many, token):
    reply = client.get(path(many), **bearer(token))
    assert len(reply.json()) == DEFAULT_LIMIT == 100
    assert [r["id"] for r in reply.json()] == expected_order(many)[:100]
    assert reply.headers["X-Next-Cursor"]
    assert (
        client.get(path(many), {"limit": MAX_LIMIT}, **bearer(token)).headers.get("X-Next-Cursor")
        is None
    )  # all 250 fit in one page of 500


@pytest.mark.django_db
def test_a_short_list_is_one_page_as_before_with_no_cursor(client, client_a, token):
    for n in range(3):
        record(client_a, n, START + timedelta(days=n))
    reply = client.get(path(client_a), **bearer(token))
    assert [r["id"] for r in reply.json()] == expected_order(client_a)
    assert "X-Next-Cursor" not in reply.headers and "Link" not in reply.headers


@pytest.mark.django_db
def test_since_gives_what_was_recorded_since_even_when_answered_long_before(
    client, client_a, token
):
    old = record(client_a, 1, START)
    imported = record(client_a, 2, START - timedelta(days=300))  # a paper form entered later
    recent = record(client_a, 3, START + timedelta(days=1))
    Response.objects.filter(pk=old.pk).update(received_at=START)
    Response.objects.filter(pk=imported.pk).update(received_at=START + timedelta(days=2))
    Response.objects.filter(pk=recent.pk).update(received_at=START + timedelta(days=1))
    since = (START + timedelta(days=1)).isoformat()
    reply = client.get(path(client_a), {"since": since}, **bearer(token))
    assert [r["id"] for r in reply.json()] == [imported.pk, recent.pk]  # oldest first
    assert reply.json()[0]["received"].startswith("2026-01-07T09:00:00")
    # Another zone names the same instant.
    other_zone = client.get(path(client_a), {"since": "2026-01-06T10:00:00+01:00"}, **bearer(token))
    assert [r["id"] for r in other_zone.json()] == [imported.pk, recent.pk]


def _detail(reply) -> tuple[list, str]:
    assert reply.status_code == 422, reply.content
    [problem] = reply.json()["detail"]
    return problem["loc"], problem["msg"]


def _tampered(cursor: str) -> str:
    """The cursor with its content changed (another id) but its signature kept."""
    payload, signature = cursor.rsplit(":", 1)
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    changed = raw.replace('"i":', '"i":1').encode()
    return base64.urlsafe_b64encode(changed).decode().rstrip("=") + ":" + signature


@pytest.mark.django_db
def test_a_bad_cursor_is_a_422_that_says_to_start_again_and_reads_nothing(
    client, two, token, therapist_a
):
    many = two
    cursor = client.get(path(many), {"limit": 1}, **bearer(token)).headers["X-Next-Cursor"]
    other = make_client(therapist_a, "Other Client")
    before = AuditEvent.objects.filter(target="api:responses").count()
    for bad in ("nonsense", cursor[:-3], _tampered(cursor), "", "a:b:c", "é:ü"):
        reply = client.get(path(many), {"cursor": bad}, **bearer(token))
        if bad == "":
            assert reply.status_code == 200  # an empty cursor is the first page
            before += 1
            continue
        loc, message = _detail(reply)
        assert loc == ["query", "cursor"]
        assert "Start again from the first page, without a cursor" in message
    # A good cursor, but for another client's list, is not followed there either.
    loc, message = _detail(client.get(path(other), {"cursor": cursor}, **bearer(token)))
    assert loc == ["query", "cursor"] and "given for another client's list" in message
    # A cursor longer than any the API gives out is refused before it is read.
    assert _detail(client.get(path(many), {"cursor": "x" * 501}, **bearer(token)))[0] == [
        "query",
        "cursor",
    ]
    assert AuditEvent.objects.filter(target="api:responses").count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("limit", "says"),
    [
        ("0", "greater than or equal to 1"),
        ("501", "less than or equal to 500"),
        ("ten", "valid integer"),
        ("-5", "greater than or equal to 1"),
    ],
)
def test_a_limit_outside_1_to_500_is_a_422_that_says_so(client, two, token, limit, says):
    loc, message = _detail(client.get(path(two), {"limit": limit}, **bearer(token)))
    assert loc == ["query", "limit"] and says in message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("since", "says"),
    [
        ("yesterday", "valid datetime"),
        ("2026-13-01T00:00:00Z", "valid datetime"),
        ("2026-03-01T00:00:00", "since needs a time zone"),
    ],
)
def test_a_since_that_is_not_a_moment_with_a_zone_is_a_422_that_says_so(
    client, two, token, since, says
):
    loc, message = _detail(client.get(path(two), {"since": since}, **bearer(token)))
    assert loc == ["query", "since"] and says in message


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["therapist_b", "admin_user"])
def test_a_cursor_does_not_open_a_client_outside_scope(client, request, two, token, role):
    many = two
    cursor = client.get(path(many), {"limit": 1}, **bearer(token)).headers["X-Next-Cursor"]
    _, other = api_token_create(actor=None, user=request.getfixturevalue(role))
    reply = client.get(path(many), {"cursor": cursor, "limit": 500}, **bearer(other))
    assert reply.status_code == 404
    assert "Canary" not in reply.content.decode()
    assert reply.json() == {"detail": "Not Found"}


@pytest.mark.django_db
def test_each_page_read_is_one_audit_row(client, many, token, therapist_a):
    _, replies = read_all(client, many, token)
    events = list(AuditEvent.objects.filter(target="api:responses").order_by("pk"))
    assert len(events) == len(replies) == 3
    assert {(e.actor_id, e.client_id, e.action, e.path) for e in events} == {
        (therapist_a.pk, many.pk, "view", path(many))
    }


@pytest.mark.django_db
def test_a_page_does_not_read_the_encrypted_free_text(client, many, token):
    """Free text is not part of the API; loading it would decrypt it for nothing."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path(many), **bearer(token)).status_code == 200
    read = [q["sql"] for q in queries.captured_queries if "measures_response" in q["sql"]]
    assert read and not any("text_answers" in q or "risk_review_note" in q for q in read)
    assert all("LIMIT 101" in q for q in read)


@pytest.mark.django_db
def test_the_openapi_document_describes_the_paging_parameters(client, token):
    document = client.get("/api/v1/openapi.json", **bearer(token)).json()
    operation = document["paths"]["/api/v1/clients/{client_id}/responses"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert {"limit", "cursor", "since"} <= set(params)
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert params["limit"]["schema"]["default"] == DEFAULT_LIMIT
    assert "X-Next-Cursor" in operation["description"]
