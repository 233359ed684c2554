"""The caseload's "Last seen" column shows the last session the client attended, and says in
words when a later one was missed, cancelled or not recorded: a no-show shown as the last
appointment hid a client not seen for weeks (a dropout warning sign). Fixed clock."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.conftest import make_client

from rapport.clinic.models import Appointment, Attendance, EndReason, Episode, Phase
from rapport.clinic.selectors import NotAttended, caseload_for

pytestmark = pytest.mark.django_db

# Before the clocks change (29 Mar 2026): London time is UTC, so dates read as written.
NOW = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC)


def client_with(therapist, name, *sessions, closed=False):
    """A client with one episode and appointments given as (date, attendance)."""
    client = make_client(therapist, name, with_episode=False)
    episode = Episode.objects.create(client=client, started_on=date(2025, 11, 3))
    for day, attendance in sessions:
        Appointment.objects.create(episode=episode, starts_at=at(day), attendance=attendance)
    if closed:
        episode.phase, episode.ended_on = Phase.CLOSED, date(2026, 3, 20)
        episode.end_reason = EndReason.DROPPED_OUT
        episode.save()
    return client


@pytest.fixture
def caseload_page(login, therapist_a, monkeypatch):
    http = login(therapist_a)
    monkeypatch.setattr(timezone, "now", lambda: NOW)

    def get(**params) -> str:
        response = http.get("/caseload/", params)
        assert response.status_code == 200
        return response.content.decode()

    return get


def last_seen_cell(page: str, client) -> str:
    """The text of the client's "Last seen" cell on the caseload page."""
    row = re.search(
        rf'<a href="/clients/{client.pk}/">.*?<td data-label="Last seen">(.*?)</td>',
        page,
        re.DOTALL,
    )
    assert row, f"no row for client {client.pk}"
    return row.group(1)


ATTENDED, NO_SHOW, CANCELLED, SCHEDULED = (
    Attendance.ATTENDED,
    Attendance.NO_SHOW,
    Attendance.CANCELLED,
    Attendance.SCHEDULED,
)


def test_a_no_show_after_the_last_session_is_named_not_shown_as_last_seen(
    therapist_a, caseload_page
):
    client = client_with(
        therapist_a,
        "Nora Noshow",
        (date(2026, 3, 12), ATTENDED),
        (date(2026, 3, 19), NO_SHOW),
        (date(2026, 4, 2), SCHEDULED),
    )
    page = caseload_page()
    assert '<th scope="col">Last seen</th>' in page
    assert last_seen_cell(page, client) == "12 Mar 2026 (missed 19 Mar)"


@pytest.mark.parametrize(
    ("sessions", "shown"),
    [
        # Cancelled after the last session: they have not been seen since either.
        ([(12, ATTENDED), (19, CANCELLED)], "12 Mar 2026 (cancelled 19 Mar)"),
        # A past session nobody has recorded yet may have been missed: say so.
        ([(12, ATTENDED), (19, SCHEDULED)], "12 Mar 2026 (19 Mar: attendance not recorded)"),
        # Several missed: the last session attended, and the latest one missed.
        ([(5, ATTENDED), (12, NO_SHOW), (19, CANCELLED)], "5 Mar 2026 (cancelled 19 Mar)"),
        # A missed session before the last one attended is history, not news.
        ([(5, NO_SHOW), (12, ATTENDED)], "12 Mar 2026"),
        # A slot cancelled at the very time of the session they came to adds nothing.
        ([(12, CANCELLED), (12, ATTENDED)], "12 Mar 2026"),
        ([(12, ATTENDED), (12, CANCELLED)], "12 Mar 2026"),
        # Never seen: said in words, with what happened to the booked session.
        ([(19, NO_SHOW)], "Not seen yet (missed 19 Mar 2026)"),
        # A future cancellation is not a missed session.
        ([(12, ATTENDED), (30, CANCELLED)], "12 Mar 2026"),
        ([], "—"),
    ],
)
def test_the_last_seen_cell_says_what_happened_after_the_last_session(
    therapist_a, caseload_page, sessions, shown
):
    client = client_with(
        therapist_a, "Sam Sessions", *[(date(2026, 3, day), how) for day, how in sessions]
    )
    assert last_seen_cell(caseload_page(), client) == shown


def test_a_missed_session_in_another_year_than_the_last_one_seen_carries_its_year(
    therapist_a, caseload_page
):
    client = client_with(
        therapist_a, "Yan Year", (date(2025, 12, 15), ATTENDED), (date(2026, 1, 5), NO_SHOW)
    )
    assert last_seen_cell(caseload_page(), client) == "15 Dec 2025 (missed 5 Jan 2026)"


def test_the_former_clients_list_shows_the_last_session_attended_too(therapist_a, caseload_page):
    client = client_with(
        therapist_a,
        "Dana Droppedout",
        (date(2026, 2, 26), ATTENDED),
        (date(2026, 3, 5), NO_SHOW),
        closed=True,
    )
    page = caseload_page(clients="former")
    assert last_seen_cell(page, client) == "26 Feb 2026 (missed 5 Mar)"


def test_the_selector_gives_the_last_session_attended_and_the_one_missed_after_it(
    therapist_a,
):
    client_with(therapist_a, "Nora Noshow", (date(2026, 3, 12), ATTENDED))
    client_with(
        therapist_a, "Carl Cancelled", (date(2026, 3, 12), ATTENDED), (date(2026, 3, 19), CANCELLED)
    )
    rows = {row.client.display_name: row for row in caseload_for(therapist_a, now=NOW)}
    assert rows["Nora Noshow"].last_seen == at(date(2026, 3, 12))
    assert rows["Nora Noshow"].not_attended is None
    assert rows["Carl Cancelled"].last_seen == at(date(2026, 3, 12))
    assert rows["Carl Cancelled"].not_attended == NotAttended(
        starts_at=at(date(2026, 3, 19)), attendance=CANCELLED
    )


def test_the_last_seen_column_costs_the_same_queries_for_few_and_many_clients(
    therapist_a, caseload_page
):
    def grow(start: int, count: int) -> None:
        kinds = [ATTENDED, NO_SHOW, CANCELLED, SCHEDULED]
        for i in range(start, start + count):
            client_with(
                therapist_a,
                f"Client {i:03d}",
                (date(2026, 3, 12), ATTENDED),
                (date(2026, 3, 19), kinds[i % 4]),
            )

    grow(0, 4)
    with CaptureQueriesContext(connection) as few:
        caseload_page()
    grow(4, 36)
    with CaptureQueriesContext(connection) as many:
        page = caseload_page()
    assert page.count('<td data-label="Last seen">') == 40
    assert page.count("(missed 19 Mar)") == page.count("(cancelled 19 Mar)") == 10
    assert page.count("(19 Mar: attendance not recorded)") == 10
    assert len(many.captured_queries) == len(few.captured_queries)
