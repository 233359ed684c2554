"""Snoozing or acknowledging an alert defers the work; it does not make the client on track.

The team figures' "not on track" share and the caseload's kind filter count every active
alert (open, acknowledged, action logged, snoozed); a dismissed one is left out (the
therapist judged it not to apply). The order by need still uses what needs action now.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.clinic.selectors import caseload_for
from rapport.monitoring.models import Alert
from rapport.monitoring.services import alert_acknowledge, alert_dismiss, alert_snooze
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import bulk_history, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


@pytest.fixture
def off_track(therapist_a):
    """Two clients with outcome scores: one steady, one not on track."""
    now = timezone.now()
    for name, outcome in (
        ("Ada Steady", [14, 12, 11, 10, 9]),
        ("Dario Worse", [10, 12, 14, 16, 18]),
    ):
        client, _, held = make_episode(therapist_a, name, sessions=5, now=now)
        bulk_history(client, held, alliance=[38] * 5, outcome=outcome)
    recompute_alerts(now=now)
    return Alert.objects.get(kind="not_on_track")  # Dario's: Ada is on track


def not_on_track_cell(http) -> str:
    page = http.get("/caseload/").content.decode()
    figures = page[page.index('id="figures-h"') :]
    row = figures[figures.index("Therapist.A") :]
    row = row[: row.index("</tr>")]
    return row.split("<td>")[4]  # clients, open risk answers, mean alliance, not on track


def listed_not_on_track(http) -> bool:
    page = http.get("/caseload/", {"kind": "not_on_track"}).content.decode()
    return "Dario Worse" in page[page.index("<main") :]


def test_a_snoozed_not_on_track_alert_still_counts_in_the_figures_and_the_filter(
    login, therapist_a, off_track
):
    http = login(therapist_a)
    assert "50.0%" in not_on_track_cell(http) and "(1/2)" in not_on_track_cell(http)
    alert_snooze(actor=therapist_a, alert=off_track, until=timezone.localdate() + dt.timedelta(7))
    cell = not_on_track_cell(http)
    assert "50.0%" in cell and "(1/2)" in cell
    assert listed_not_on_track(http)
    assert [r.client.display_name for r in caseload_for(therapist_a, kind="not_on_track")] == [
        "Dario Worse"
    ]
    # The page says the alert is snoozed rather than showing no tag for it.
    page = http.get("/caseload/", {"kind": "not_on_track"}).content.decode()
    assert "Off track (snoozed)</li>" in page


def test_the_order_by_need_still_leaves_a_snoozed_alert_out(therapist_a, off_track):
    alert_snooze(actor=therapist_a, alert=off_track, until=timezone.localdate() + dt.timedelta(7))
    dario = next(r for r in caseload_for(therapist_a) if r.client.display_name == "Dario Worse")
    assert "not_on_track" not in [a.kind for a in dario.alerts]
    assert [a.kind for a in dario.snoozed] == ["not_on_track"]
    assert "not_on_track" in [a.kind for a in dario.active_alerts]


def test_an_acknowledged_alert_counts_and_a_dismissed_one_does_not(login, therapist_a, off_track):
    http = login(therapist_a)
    alert_acknowledge(actor=therapist_a, alert=off_track)
    assert "(1/2)" in not_on_track_cell(http) and listed_not_on_track(http)
    alert_dismiss(actor=therapist_a, alert=off_track, reason="Synthetic: a known life event.")
    assert "(0/2)" in not_on_track_cell(http) and not listed_not_on_track(http)
