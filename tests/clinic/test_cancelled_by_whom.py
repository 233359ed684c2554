"""Who cancelled an appointment: asked on the attendance page, stored, and only the client's
own cancellations (and no-shows) count as missed appointments towards dropout risk. Every
cancellation raised the risk before, even one the therapist or the clinic called off.

Cancellations stored before the question existed become "not recorded" (counted as before:
nobody has checked them, and quietly lowering every client's risk would hide that) or, when
the ending of the episode cancelled them, the clinic's (clinic 0011). Fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from tests.clinic.conftest import FIXED

from rapport.clinic.models import Appointment, Attendance, CancelledBy
from rapport.monitoring.series import load_episode_series

pytestmark = pytest.mark.django_db


def past(episode, days: int) -> Appointment:
    return Appointment.objects.create(episode=episode, starts_at=FIXED - timedelta(days=days))


def missed_records(episode) -> list[str]:
    series = load_episode_series(episode, now=FIXED).series
    return [a.status for a in series.attendance if a.status != "attended"]


def test_the_page_asks_who_cancelled(login, therapist_a, episode):
    held = past(episode, 7)
    page = login(therapist_a).get(f"/appointments/{held.pk}/attendance/").content.decode()
    select = page.split('<select name="cancelled_by"', 1)[1].split("</select>", 1)[0]
    assert "If cancelled: who cancelled it?" in page
    assert '<option value="client">The client</option>' in select
    assert '<option value="clinic">The therapist or the clinic</option>' in select
    assert 'value="unknown"' not in select  # not offered for a new cancellation
    assert "Only the client&#x27;s own cancellations" in page


def test_a_cancellation_without_who_is_refused_and_nothing_is_saved(login, therapist_a, episode):
    held = past(episode, 7)
    response = login(therapist_a).post(
        f"/appointments/{held.pk}/attendance/", {"attendance": "cancelled"}
    )
    assert response.status_code == 400
    assert "Say who cancelled: the client, or the therapist or the clinic." in (
        response.content.decode()
    )
    held.refresh_from_db()
    assert held.attendance == Attendance.SCHEDULED


def test_only_the_clients_cancellations_count_as_missed(login, therapist_a, episode):
    http = login(therapist_a)
    by_clinic, by_client = past(episode, 14), past(episode, 7)
    for appointment, who in ((by_clinic, "clinic"), (by_client, "client")):
        response = http.post(
            f"/appointments/{appointment.pk}/attendance/",
            {"attendance": "cancelled", "cancelled_by": who},
        )
        assert response.status_code == 302
    by_clinic.refresh_from_db()
    by_client.refresh_from_db()
    assert (by_clinic.cancelled_by, by_client.cancelled_by) == ("clinic", "client")
    assert missed_records(episode) == ["cancelled"]  # the client's only


def test_a_no_show_and_a_cancellation_not_recorded_still_count(login, therapist_a, episode):
    no_show = past(episode, 14)
    old = past(episode, 7)
    Appointment.objects.filter(pk=no_show.pk).update(attendance=Attendance.NO_SHOW)
    Appointment.objects.filter(pk=old.pk).update(
        attendance=Attendance.CANCELLED, cancelled_by=CancelledBy.UNKNOWN
    )
    assert sorted(missed_records(episode)) == ["cancelled", "no_show"]
    # The page keeps "not recorded" as it is until the therapist says who.
    page = login(therapist_a).get(f"/appointments/{old.pk}/attendance/").content.decode()
    select = page.split('<select name="cancelled_by"', 1)[1].split("</select>", 1)[0]
    assert '<option value="unknown" selected>Not recorded</option>' in select


def test_keeping_a_cancelled_session_forgets_who_cancelled(login, therapist_a, episode):
    held = past(episode, 7)
    http = login(therapist_a)
    url = f"/appointments/{held.pk}/attendance/"
    http.post(url, {"attendance": "cancelled", "cancelled_by": "clinic"})
    assert http.post(url, {"attendance": "attended", "cancelled_by": "clinic"}).status_code == 302
    held.refresh_from_db()
    assert (held.attendance, held.cancelled_by) == ("attended", "")


def _migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_old_cancellations_and_reverses(client_a):
    episode = client_a.episodes.get()
    start = episode.appointments.order_by("starts_at").first().starts_at
    old = Appointment.objects.create(
        episode=episode, starts_at=start + timedelta(hours=1), attendance=Attendance.CANCELLED
    )
    ended = Appointment.objects.create(
        episode=episode,
        starts_at=start + timedelta(hours=2),
        attendance=Attendance.CANCELLED,
        cancelled_by_ending=True,
    )
    kept = Appointment.objects.create(episode=episode, starts_at=start + timedelta(hours=3))

    _migrate([("clinic", "0010_clinic_sharing_text")])
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "clinic_appointment"
        )
    ]
    assert "cancelled_by" not in columns

    _migrate()
    stored = dict(Appointment.objects.values_list("pk", "cancelled_by"))
    assert (stored[old.pk], stored[ended.pk], stored[kept.pk]) == ("unknown", "clinic", "")


def test_the_client_page_says_who_cancelled(login, therapist_a, episode):
    rows = {"client": past(episode, 21), "clinic": past(episode, 14), "unknown": past(episode, 7)}
    for who, appointment in rows.items():
        Appointment.objects.filter(pk=appointment.pk).update(
            attendance=Attendance.CANCELLED, cancelled_by=who
        )
    page = login(therapist_a).get(f"/clients/{episode.client_id}/").content.decode()
    assert ">Cancelled by the client</span>" in page
    assert ">Cancelled by the therapist or the clinic</span>" in page
    assert ">Cancelled (by whom not recorded)</span>" in page
