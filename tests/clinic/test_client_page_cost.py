"""The client page costs the same whatever the length of a client's history: a fixed number
of queries, each thing read once a view, and long lists bounded to their latest rows with a
plain link to every row (``core.panels.latest``); the audit rows of a view are the same.

At 200 sessions the page took 701 ms of CPU and 739 KB: every appointment and every answer
drawn, the answers read five times and monitoring's series built twice.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.checkins.instruments import COMMENT_ITEM, PUSHED_ITEM, SESSION_CHECKIN
from rapport.clinic.models import Appointment, Attendance
from rapport.measures.models import Response
from rapport.monitoring import selectors as monitoring_selectors

#: The client page's queries for a client with a history, as measured after the fix
#: (57 before it, at any length of history; 53 before its audit reads went in one INSERT).
QUERIES_AT_MOST = 47


def history(client, sessions: int, *, pushed_every: int = 0) -> list[Appointment]:
    """``sessions`` attended weekly sessions of the client's episode, the last a day ago,
    each with a PHQ-9 before it and a check-in after it; every check-in's comment names its
    session ("Comment 7"); every ``pushed_every``-th check-in says the client felt pushed.
    Plus the one booked ahead (and the two ``make_client`` made). Synthetic answers."""
    episode = client.episodes.get()
    now = timezone.now()
    first = now - dt.timedelta(days=1 + 7 * (sessions - 1))
    episode.started_on = timezone.localdate(first) - dt.timedelta(days=1)
    episode.save(update_fields=["started_on"])
    episode.appointments.all().delete()
    appointments = Appointment.objects.bulk_create(
        Appointment(
            episode=episode,
            starts_at=first + dt.timedelta(days=7 * k),
            attendance=Attendance.ATTENDED,
        )
        for k in range(sessions)
    )
    Appointment.objects.create(episode=episode, starts_at=now + dt.timedelta(days=6))
    rows = []
    for k, appointment in enumerate(appointments, start=1):
        pushed = 1 if pushed_every and k % pushed_every == 0 else 0
        rows.append(
            Response(
                client=client,
                episode=episode,
                appointment=appointment,
                instrument_id="phq9",
                instrument_version="1",
                administered_at=appointment.starts_at - dt.timedelta(hours=1),
                source="import",
                idempotency_key=f"page-cost-{client.pk}-phq9-{k}",
                total=max(0, 16 - k % 9),
                band="moderate",
            )
        )
        rows.append(
            Response(
                client=client,
                episode=episode,
                appointment=appointment,
                instrument_id=SESSION_CHECKIN,
                instrument_version="1",
                administered_at=appointment.starts_at + dt.timedelta(hours=1),
                source="import",
                idempotency_key=f"page-cost-{client.pk}-checkin-{k}",
                total=36,
                subscales={"goals": 9, "tasks": 9, "bond": 9, "overall": 9, PUSHED_ITEM: pushed},
                item_values={PUSHED_ITEM: pushed},
                text_answers=json.dumps({COMMENT_ITEM: f"Comment {k}"}),
            )
        )
    Response.objects.bulk_create(rows)
    return appointments


def _queries(http, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        page = http.get(path)
    assert page.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def _rows(page: str, table_class: str, after: str = "") -> int:
    """The body rows of the first ``<table class=table_class>`` after ``after``."""
    start = page.index(after) if after else 0
    table = re.search(rf'<table class="{table_class}".*?</table>', page[start:], re.S)
    assert table is not None
    return table.group(0).split("<tbody>")[1].count("<tr")


@pytest.mark.django_db
def test_the_client_page_reads_as_much_for_40_sessions_as_for_5(login, therapist_a, client_a):
    from tests.conftest import make_client

    short = make_client(therapist_a, "Short H.")
    history(short, 5)
    history(client_a, 40)
    http = login(therapist_a)
    for person in (short, client_a):  # warm: a first view may load the guidance library
        http.get(f"/clients/{person.pk}/")
    few = _queries(http, f"/clients/{short.pk}/")
    many = _queries(http, f"/clients/{client_a.pk}/")
    assert len(many) == len(few)
    assert len(many) <= QUERIES_AT_MOST


@pytest.mark.django_db
def test_monitoring_builds_the_series_once_a_view(login, therapist_a, client_a):
    history(client_a, 12)
    http = login(therapist_a)
    with mock.patch.object(
        monitoring_selectors, "load_many", wraps=monitoring_selectors.load_many
    ) as load_many:
        page = http.get(f"/clients/{client_a.pk}/")
    assert page.status_code == 200
    # Its monitoring section (the open episode's series) and the check-ins section (which
    # answers count, in every episode) both use it: one build. It was built twice.
    assert load_many.call_count == 1
    text = page.content.decode()
    assert 'id="monitoring-h"' in text and 'id="checkins-h"' in text


@pytest.mark.django_db
def test_the_page_shows_the_latest_10_appointments_and_links_to_all_of_them(
    login, therapist_a, client_a
):
    history(client_a, 40)
    http = login(therapist_a)
    page = http.get(f"/clients/{client_a.pk}/").content.decode()
    assert _rows(page, "appointments", 'id="appointments-h"') == 10
    # The latest ones: the one booked ahead is the last row.
    booked = client_a.episodes.get().appointments.order_by("-starts_at").first()
    assert "Keep or cancel" in page.split('id="appointments-h"')[1]
    link = re.search(r'<a href="([^"]*)">Show all 41 appointments</a>', page)
    assert link is not None and "Showing the latest 10 of 41." in page
    every = http.get(html.unescape(link.group(1))).content.decode()
    assert _rows(every, "appointments", 'id="appointments-h"') == 41
    assert "All 41 appointments." in every
    back = re.search(r'<a href="([^"]*)">Show the latest 10 only</a>', every)
    assert back is not None and back.group(1).endswith("#appointments-h")
    assert booked.starts_at.strftime("%-d %b %Y") in every


@pytest.mark.django_db
def test_a_short_history_is_shown_whole_without_a_link(login, therapist_a, client_a):
    history(client_a, 11)  # 12 appointments, 11 answers of each
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert _rows(page, "appointments", 'id="appointments-h"') == 12
    assert _rows(page, "scores", 'id="series-phq9"') == 11
    assert "Show all" not in page and "latest-note" not in page


#: The rows one view of the page wrote before the fix, in this order: every panel audits
#: its own read (DESIGN §5), whether or not it has anything to show.
AUDITED = [
    ("view", "client"),
    ("view", "risk-notices"),
    ("view", "monitoring"),
    ("view", "preferences"),
    ("view", "responses"),
    ("view", "transcripts-panel"),
    ("view", "referral-panel"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?all=appointments&all=scores-phq9"])
def test_every_view_writes_the_same_audit_rows(login, therapist_a, client_a, query):
    history(client_a, 30)
    http = login(therapist_a)
    http.get(f"/clients/{client_a.pk}/")  # the first view loads the guidance library too
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    http.get(f"/clients/{client_a.pk}/{query}")
    rows = list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))
    written = [(r.action, r.target) for r in rows]
    # A list shown whole (``?all=``) is read under the same rows: the page reads every
    # answer and appointment either way.
    assert written == AUDITED
    assert {r.client_id for r in rows} == {client_a.pk}
    assert {r.path for r in rows} == {f"/clients/{client_a.pk}/"}
    assert len({r.request_id for r in rows}) == 1
    assert {r.actor_id for r in rows} == {therapist_a.pk}
