"""Check-ins and scores places each answer at the session it is about, as monitoring does.

The exploratory test's case: sessions on 22 Nov and 6 Dec attended; the client answers the
check-in about 6 Dec (total 12), then the therapist hands over the tablet for the one about
22 Nov (total 32). Monitoring has 32 then 12, a rupture; ordered by submission the panel
showed 12 climbing to 32, both rows dated 6 Dec.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from tests.checkins.test_panel_chart_counts_sessions import plotted

from rapport.clinic.models import Appointment, Attendance, Client, Episode
from rapport.core import hooks
from rapport.measures.services import response_record
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.series import load_episode_series


def checkin(score: int) -> dict:
    return {"goals": score, "approach": score, "relationship": score, "overall": score}


def rows_of(page: str, instrument_id: str) -> list[str]:
    section = page[page.index(f'id="series-{instrument_id}"') :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return re.findall(r"<tr[^>]*>.*?</tr>", body, flags=re.S)


def day(moment) -> str:
    return date_format(timezone.localtime(moment), "D j M Y")


@pytest.fixture
def answered_out_of_order(therapist_a):
    # Yesterday 10:00 local, so every answer below falls on one calendar day whatever the
    # hour the test runs.
    yesterday = timezone.localdate() - timedelta(days=1)
    latest = timezone.make_aware(datetime.combine(yesterday, time(10)))
    client = Client.objects.create(
        clinic=therapist_a.clinic, therapist=therapist_a, display_name="Order O.", birth_year=1990
    )
    episode = Episode.objects.create(client=client, started_on=yesterday - timedelta(days=30))
    first, earlier, later = (
        Appointment.objects.create(
            episode=episode, starts_at=latest - timedelta(days=days), attendance=Attendance.ATTENDED
        )
        for days in (28, 14, 0)
    )
    for appointment, score, answered_at, source in (
        (first, 9, first.starts_at + timedelta(hours=1), "link"),
        (later, 3, latest + timedelta(hours=2), "link"),  # the client's link, first
        (earlier, 8, latest + timedelta(hours=3), "tablet"),  # then the tablet, about 22 Nov
    ):
        response_record(
            client=client,
            instrument_id=CHECKIN,
            answers={**checkin(score), "pushed": 0},
            source=source,
            idempotency_key=f"order-{appointment.pk}",
            administered_at=answered_at,
            appointment=appointment,
            actor="client-link",
        )
    return client, episode, earlier, later


@pytest.mark.django_db
def test_the_table_places_and_dates_answers_by_their_session(
    login, therapist_a, answered_out_of_order
):
    client, _episode, earlier, later = answered_out_of_order
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    newest, middle, _oldest = rows_of(page, CHECKIN)  # newest session first
    assert '<td class="num">12</td>' in newest and day(later.starts_at) in newest
    assert "answered" not in newest
    assert '<td class="num">32</td>' in middle and day(earlier.starts_at) in middle
    answered = date_format(timezone.localtime(later.starts_at), "j M")
    assert f"(answered {answered})" in middle


@pytest.mark.django_db
@pytest.mark.parametrize("with_monitoring", [True, False], ids=["monitoring", "own-rule"])
def test_chart_and_table_follow_monitorings_sessions(
    login, therapist_a, answered_out_of_order, monkeypatch, with_monitoring
):
    # Which answers the chart plots comes from monitoring (core.hooks.counted_responses);
    # the order of the table and the chart is the panel's own (_in_session_order), as is the
    # whole rule when monitoring is not installed: both must match monitoring's sessions.
    client, episode, _earlier, later = answered_out_of_order
    if not with_monitoring:
        monkeypatch.setattr(hooks, "_counted_response_providers", [])
    drawn = plotted(monkeypatch)
    page = login(therapist_a).get(f"/clients/{client.pk}/").content.decode()
    shown = [
        int(re.search(r'<td class="num">(\d+)</td>', row)[1]) for row in rows_of(page, CHECKIN)
    ]
    monitoring = [o.score for o in load_episode_series(episode).series.of(CHECKIN)]
    assert list(reversed(shown)) == monitoring == [36, 32, 12]
    (chart,) = [c for c in drawn if c.title == "Check-in"]
    assert list(chart.lines[0].y) == monitoring
    last_day = date_format(timezone.localtime(later.starts_at), "j M Y")
    assert "from 36 on" in page and f"to 12 on {last_day}." in page
