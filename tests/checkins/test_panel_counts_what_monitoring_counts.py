"""The *Check-ins and scores* chart plots exactly the answers Monitoring counts, as
Monitoring decides them (``rapport.core.hooks.counted_responses``), not by a rule of its own.

The review's case: three attended sessions, each rated on its own link (30, 31, 32); then a
history file gives session 2's day with a time (``YYYY-MM-DDTHH:MM``) and a total of 8, so
the import stores it for no appointment. Monitoring places it at session 2 by its date and
keeps the session's own link answer (31). The panel dropped a replaced answer only when both
carried the same appointment, and charted 30, 31, 8, 32 "over 4 sessions".
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.checkins.test_panel_chart_counts_sessions import plotted, scales
from tests.checkins.test_panel_replaced_answers import rows_of

from rapport.cli import main
from rapport.clinic.models import Appointment, Attendance, Client, Episode
from rapport.core import hooks
from rapport.measures.models import Response
from rapport.measures.services import response_record
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.series import load_episode_series

REPLACED = "not counted: another answer counts for this session"


def rate(client, appointment, total, *, key, hours=1):
    return response_record(
        client=client,
        instrument_id=CHECKIN,
        answers=scales(total),
        source="link",
        idempotency_key=key,
        administered_at=appointment.starts_at + timedelta(hours=hours),
        appointment=appointment,
        actor="client-link",
    )[0]


def three_rated_sessions(therapist, name="Sasha S."):
    """Three attended weekly sessions at 10:00, the last a week ago, each rated an hour
    later on its own link (30, 31, 32)."""
    client = Client.objects.create(
        clinic=therapist.clinic, therapist=therapist, display_name=name, birth_year=1990
    )
    last = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=7), time(10)))
    episode = Episode.objects.create(
        client=client, started_on=timezone.localdate(last) - timedelta(days=30)
    )
    sessions = [
        Appointment.objects.create(
            episode=episode,
            starts_at=last - timedelta(days=7 * (2 - n)),
            attendance=Attendance.ATTENDED,
        )
        for n in range(3)
    ]
    for number, (session, total) in enumerate(zip(sessions, (30, 31, 32), strict=True)):
        rate(client, session, total, key=f"{name}-session-{number}")
    return client, episode, sessions


def import_history(client, when: datetime, total: int, tmp_path, capsys) -> Response:
    """One history row dated with a time, as ``rapport import-responses`` reads it."""
    csv = tmp_path / "history.csv"
    parts = scales(total)
    csv.write_text(
        "client,date,instrument,goals,approach,relationship,overall,pushed\n"
        f"{client.pk},{timezone.localtime(when):%Y-%m-%dT%H:%M},{CHECKIN},"
        f"{parts['goals']},{parts['approach']},{parts['relationship']},{parts['overall']},0\n"
    )
    assert main(["import-responses", str(csv)]) == 0
    capsys.readouterr()
    return Response.objects.get(client=client, source="import")


@pytest.fixture
def imported_for_session_2(therapist_a, tmp_path, capsys):
    client, episode, sessions = three_rated_sessions(therapist_a)
    # Session 2's day, in the evening: after its own link answer, for no appointment.
    imported = import_history(
        client, sessions[1].starts_at + timedelta(hours=8), 8, tmp_path, capsys
    )
    assert imported.appointment_id is None and imported.episode_id == episode.pk
    return client, episode, imported


def monitorings_scores(episode) -> list[float]:
    return [o.score for o in load_episode_series(episode).series.of(CHECKIN)]


@pytest.mark.django_db
def test_an_answer_placed_by_its_date_is_not_charted_over_the_sessions_own(
    login, therapist_a, imported_for_session_2, monkeypatch
):
    client, episode, _imported = imported_for_session_2
    drawn = plotted(monkeypatch)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()

    (chart,) = [c for c in drawn if c.title == "Check-in"]
    assert monitorings_scores(episode) == [30, 31, 32]
    assert list(chart.lines[0].y) == [30, 31, 32]
    assert list(chart.lines[0].x) == [1, 2, 3]
    assert "Check-in total over 3 sessions, from 30 on" in page
    assert (
        "The table also lists the answers not counted because another counts for the same session."
        in page
    )


@pytest.mark.django_db
def test_the_table_lists_the_imported_answer_marked_as_not_counted(
    login, therapist_a, imported_for_session_2
):
    client, _episode, _imported = imported_for_session_2
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    rows = rows_of(page, CHECKIN)  # newest first: 32, then the import (8), then 31, 30
    assert len(rows) == 4
    marked = {row.split('<td class="num">')[1].split("<")[0]: REPLACED in row for row in rows}
    assert marked == {"32": False, "8": True, "31": False, "30": False}


@pytest.mark.django_db
def test_monitoring_tells_the_panel_which_answers_count_and_which_it_replaced(
    therapist_a, imported_for_session_2
):
    client, episode, imported = imported_for_session_2
    counted = hooks.counted_responses(client)
    assert counted is not None
    assert CHECKIN in counted.instruments
    assert counted.counted == set(load_episode_series(episode).response_ids.values())
    assert counted.replaced == {imported.pk}


@pytest.mark.django_db
def test_an_answer_from_before_the_episode_is_neither_charted_nor_called_replaced(
    login, therapist_a, tmp_path, capsys, monkeypatch
):
    # Dated before the episode began, the import is stored for no episode: Monitoring does
    # not place it at any session, so it is not on the chart, and no other answer replaced
    # it either.
    client, episode, _sessions = three_rated_sessions(therapist_a)
    before = timezone.make_aware(datetime.combine(episode.started_on - timedelta(days=10), time(9)))
    earlier = import_history(client, before, 8, tmp_path, capsys)
    assert earlier.episode_id is None
    counted = hooks.counted_responses(client)
    assert counted is not None
    assert earlier.pk not in counted.counted | counted.replaced
    drawn = plotted(monkeypatch)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    (chart,) = [c for c in drawn if c.title == "Check-in"]
    assert list(chart.lines[0].y) == monitorings_scores(episode) == [30, 31, 32]
    assert len(rows_of(page, CHECKIN)) == 4 and REPLACED not in page


@pytest.mark.django_db
def test_without_monitoring_the_panel_keeps_its_own_rule(
    login, therapist_a, imported_for_session_2, monkeypatch
):
    # No provider registered (monitoring not installed): the panel's own rule, which places
    # an answer given for no appointment by its day, where the session's own answer counts
    # (as monitoring does), so the import is listed as replaced, not charted.
    client, _episode, _imported = imported_for_session_2
    monkeypatch.setattr(hooks, "_counted_response_providers", [])
    assert hooks.counted_responses(client) is None
    drawn = plotted(monkeypatch)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    (chart,) = [c for c in drawn if c.title == "Check-in"]
    assert list(chart.lines[0].y) == [30, 31, 32]
    assert page.count(REPLACED) == 1


@pytest.mark.django_db
def test_the_client_page_reads_the_same_queries_for_few_and_many_answers(login, therapist_a):
    # Monitoring's answer is read for the whole client at once, never per answer or episode.
    client, episode, sessions = three_rated_sessions(therapist_a)
    http = login(therapist_a)
    http.get(f"/clients/{client.pk}/")  # warm caches (instrument registry, wording)
    with CaptureQueriesContext(connection) as few:
        http.get(f"/clients/{client.pk}/")
    for number, session in enumerate(sessions):
        for again in range(4):
            rate(client, session, 20 + again, key=f"again-{number}-{again}", hours=2 + again)
    Episode.objects.create(
        client=client,
        started_on=episode.started_on - timedelta(days=200),
        ended_on=episode.started_on - timedelta(days=100),
        phase="closed",
        end_reason="planned",
    )
    with CaptureQueriesContext(connection) as many:
        page = http.get(f"/clients/{client.pk}/").content.decode()
    assert page.count(REPLACED) == 12  # 4 answers a session, 3 replaced
    assert len(many.captured_queries) == len(few.captured_queries)
