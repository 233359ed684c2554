"""An action on an alert is refused when the alert changed while the page was open
(``services.alert_version``), but not when only the clock moved it: "no check-in for 29
days" becoming "30 days" overnight is the same alert, and the therapist who clicks is not
sent back to read it again. A session held meanwhile still counts as a change.
Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon) for the answers and the recomputes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from rapport.clinic.models import Appointment, Attendance
from rapport.monitoring.models import Alert, AlertStatus, RepairAction
from rapport.monitoring.news import shown_version
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import CHANGED, shown_on, text
from tests.monitoring.db.helpers import NOW, checkins, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


def inputs(name: str) -> dict:
    today = timezone.localdate()
    return {
        "acknowledge": {},
        "action": {"strategy": "", "note": "Asked about the link.", "performed_on": NOW.date()},
        "dismiss": {"reason": "The client is travelling this month."},
        "snooze": {"until": (today + 9 * DAY).isoformat()},
    }[name]


@pytest.fixture
def silent(therapist_a):
    """Six weekly sessions ending the day before NOW, check-ins after the first two only:
    the last two are missing and none came for 29 days while sessions went on."""
    client, episode, held = make_episode(therapist_a, "Silent S.", sessions=6)
    checkins(client, held, [38, 38])
    recompute_alerts(now=NOW)
    alert = Alert.objects.get(episode=episode, kind="feedback_missing")
    assert alert.evidence["days_without_checkin"] == 29
    assert alert.evidence["missing_sessions"] == [5, 6]
    return client, episode, alert


@pytest.mark.parametrize("name", ["acknowledge", "action", "dismiss", "snooze"])
def test_a_day_passing_does_not_make_the_page_stale(login, therapist_a, silent, name):
    _, _, alert = silent
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/{name}/").content.decode())

    recompute_alerts(now=NOW + DAY)  # nothing new but the date
    alert.refresh_from_db()
    assert alert.evidence["days_without_checkin"] == 30 and "30 days" in alert.explanation

    response = http.post(f"/alerts/{alert.pk}/{name}/", {**inputs(name), "shown": shown})

    assert response.status_code == 302, text(response.content.decode())
    alert.refresh_from_db()
    expected = {
        "acknowledge": AlertStatus.ACKNOWLEDGED,
        "action": AlertStatus.ACTION_LOGGED,
        "dismiss": AlertStatus.DISMISSED,
        "snooze": AlertStatus.SNOOZED,
    }
    assert alert.status == expected[name] and alert.seen["keys"] == [alert.signal_key]


def test_a_session_held_while_the_page_was_open_still_refuses(login, therapist_a, silent):
    _, episode, alert = silent
    http = login(therapist_a)
    (shown,) = shown_on(http.get(f"/alerts/{alert.pk}/action/").content.decode())

    # The session booked for NOW + 6 days is held, and no check-in comes for it either.
    Appointment.objects.filter(episode=episode, starts_at=NOW + 6 * DAY).update(
        attendance=Attendance.ATTENDED
    )
    recompute_alerts(now=NOW + 7 * DAY)
    alert.refresh_from_db()
    assert alert.session == 7 and alert.evidence["missing_sessions"] == [6, 7]

    response = http.post(f"/alerts/{alert.pk}/action/", {**inputs("action"), "shown": shown})

    assert response.status_code == 400 and CHANGED in text(response.content.decode())
    assert RepairAction.objects.count() == 0


def version(kind: str, evidence: dict, explanation: str = "As shown.", **change) -> str:
    alert = {"key": f"{kind}:x:2", "severity": "low", "session": 6, "onset_session": 2}
    return shown_version(
        kind=kind, evidence=evidence, explanation=explanation, **{**alert, **change}
    )


def test_the_version_of_missing_check_ins_leaves_out_only_what_the_clock_moves():
    before = {
        "today": "2026-03-02",
        "days_without_checkin": 29,
        "missing_sessions": [5, 6],
        "rule": "the last 2 expected check-ins are missing and no check-in for 29 days",
        "thresholds": {"consecutive_missing": 2, "max_days": 28},
    }
    later = {
        **before,
        "today": "2026-03-03",
        "days_without_checkin": 30,
        "rule": before["rule"].replace("29", "30"),
    }
    same = version("feedback_missing", before, "… for 29 days …")
    assert version("feedback_missing", later, "… for 30 days …") == same
    # What is not the clock still counts: another session missing, a severity, a setting.
    assert version("feedback_missing", {**before, "missing_sessions": [6, 7]}) != same
    # The latest session alone is not on the card (test_alert_changed_session_held_today).
    assert version("feedback_missing", before, session=7) == same
    assert version("feedback_missing", before, onset_session=3) != same
    assert version("feedback_missing", before, severity="medium") != same
    assert version("feedback_missing", {**before, "thresholds": {"max_days": 21}}) != same


def test_other_kinds_keep_every_evidence_field_and_the_explanation():
    evidence = {"instrument": "session-checkin", "answer": "a little", "value": 1}
    same = version("pushed_or_overridden", evidence)
    assert version("pushed_or_overridden", {**evidence, "value": 2}) != same
    assert version("pushed_or_overridden", evidence, "Another sentence.") != same
    # A field called "today" on another kind is not assumed to be the clock.
    assert version("pushed_or_overridden", {**evidence, "today": "2026-03-03"}) != same
