"""Something worse than what the therapist saw opens the alert again: a snoozed alert wakes
before its date, with the reason on the card; an acknowledged alert reopens only for
something worse, not when an instance already seen comes back after a late answer was seen.
The rule per kind is ``monitoring.news`` (tested alone in tests/monitoring/test_alert_news.py).
Fixed clock: ``NOW`` (Monday 2 Mar 2026, noon), sessions on the Mondays before it."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Appointment, Attendance
from rapport.clinic.selectors import caseload_for
from rapport.monitoring import services
from rapport.monitoring.instruments import CHECKIN
from rapport.monitoring.models import AlertStatus
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.conftest import text
from tests.monitoring.db.helpers import NOW, active, checkin_answers, checkins, make_episode, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
TODAY = NOW.date()  # Europe/London is on UTC in March


def answer_session_2_late(client, held, *, pushed, at=NOW + DAY - HOUR, parts=(9, 9, 9, 9)):
    """The check-in about session 2 answered at ``at``, after session 3's was counted."""
    record(client, CHECKIN, checkin_answers(*parts, pushed=pushed), at=at, appointment=held[1])
    return recompute_alerts(now=at + HOUR)


def test_a_late_pushed_answer_wakes_a_snoozed_alert_with_the_reason_on_the_card(
    login, therapist_a, pushed_at_3
):
    client, episode, held, alert = pushed_at_3
    services.alert_snooze(actor=therapist_a, alert=alert, until=TODAY + 14 * DAY, now=NOW)

    result = answer_session_2_late(client, held, pushed=2)

    alert.refresh_from_db()
    assert result.reopened == 1
    assert alert.status == AlertStatus.OPEN and alert.snoozed_until is None
    assert alert.session == 2 and alert.severity == "medium" and alert.evidence["late"] is True
    reason = (
        "New answer since this was snoozed on 2 Mar: the client answered 'yes' to feeling "
        "pushed or overridden at session 2 (answered on 3 Mar, after the check-in about "
        "session 3)."
    )
    assert alert.woken_reason == reason
    assert alert.needs_action(TODAY + DAY)
    assert AuditEvent.objects.filter(
        target=f"alert:{alert.pk}:reopened-worse-while-snoozed"
    ).exists()
    # The caseload counts it again, and the client page says why it is back.
    assert [r.client.pk for r in caseload_for(therapist_a, kind="pushed_or_overridden")] == [
        client.pk
    ]
    page = text(login(therapist_a).get(f"/clients/{client.pk}/").content.decode())
    assert reason in page
    assert "1 snoozed alert" not in page

    # Acknowledged, the reason has done its work and goes.
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW + DAY)
    alert.refresh_from_db()
    assert alert.woken_reason == "" and alert.seen["how"] == "acknowledged"


def test_a_late_low_answer_wakes_a_snoozed_low_alliance_alert(therapist_a):
    client, episode, held = make_episode(therapist_a, "Lin L.", sessions=3, now=NOW)
    checkins(client, [held[0], held[2]], [36, 30])
    recompute_alerts(now=NOW)
    low = active(episode)["alliance_low"]
    assert low.session == 3
    services.alert_snooze(actor=therapist_a, alert=low, until=TODAY + 7 * DAY, now=NOW)

    answer_session_2_late(client, held, pushed=0, parts=(3, 2, 1, 2))

    low.refresh_from_db()
    assert low.status == AlertStatus.OPEN and low.session == 2
    assert low.woken_reason.startswith(
        "New answer since this was snoozed on 2 Mar: the client rated the relationship 8 at "
        "session 2, below 36 (answered on 3 Mar"
    )


def later_session(client, episode, at, total):
    appointment, _ = Appointment.objects.update_or_create(
        episode=episode, starts_at=at, defaults={"attendance": Attendance.ATTENDED}
    )
    checkins(client, [appointment], [total])


def test_a_snoozed_rupture_sleeps_through_a_small_dip_and_wakes_when_it_falls_again(
    therapist_a,
):
    client, episode, held = make_episode(therapist_a, "Rui R.", sessions=5, now=NOW)
    checkins(client, held, [38, 38, 37, 29, 30])
    recompute_alerts(now=NOW)
    rupture = active(episode)["alliance_rupture"]
    assert rupture.onset_session == 4 and rupture.evidence["latest_score"] == 30
    services.alert_snooze(actor=therapist_a, alert=rupture, until=TODAY + 30 * DAY, now=NOW)

    later_session(client, episode, held[-1].starts_at + 7 * DAY, 28)  # 2 below: the same
    recompute_alerts(now=NOW + 7 * DAY)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.SNOOZED and rupture.evidence["latest_score"] == 28
    assert rupture.woken_reason == ""

    later_session(client, episode, held[-1].starts_at + 14 * DAY, 25)  # 5 below what was seen
    recompute_alerts(now=NOW + 14 * DAY)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.OPEN and rupture.onset_session == 4
    assert rupture.woken_reason == (
        "New answer since this was snoozed on 2 Mar: the relationship rating fell again, to "
        "25 at session 7 (it was 30)."
    )


def test_a_snooze_that_ends_with_nothing_new_reopens_without_a_reason(therapist_a, pushed_at_3):
    _, _, _, alert = pushed_at_3
    services.alert_snooze(actor=therapist_a, alert=alert, until=TODAY + 7 * DAY, now=NOW)
    recompute_alerts(now=NOW + 7 * DAY)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.woken_reason == ""


def test_an_instance_seen_before_a_late_answer_took_its_alert_stays_acknowledged(
    therapist_a, pushed_at_3
):
    """Session 3's "a little" was acknowledged; a late "yes" about session 2 takes the alert
    (open: it was not seen); once that is seen too, session 3's answer holds the alert again,
    acknowledged as it was, not open as news. A new answer after that opens it."""
    client, episode, held, alert = pushed_at_3
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW)

    answer_session_2_late(client, held, pushed=2)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN and alert.session == 2
    assert alert.woken_reason.startswith(
        "New answer since this was acknowledged on 2 Mar: the client answered 'yes'"
    )
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW + DAY)
    recompute_alerts(now=NOW + DAY)

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    holding = active(episode)["pushed_or_overridden"]
    assert holding.pk != alert.pk and holding.session == 3
    assert holding.status == AlertStatus.ACKNOWLEDGED and holding.acknowledged_by == therapist_a
    assert holding.woken_reason == ""
    again = recompute_alerts(now=NOW + DAY)
    assert (again.created, again.reopened, again.updated) == (0, 0, 0)

    # A new "pushed" answer is news again.
    appointment = Appointment.objects.create(
        episode=episode, starts_at=NOW + 2 * DAY, attendance=Attendance.ATTENDED
    )
    checkins(client, [appointment], [36], pushed={1: 1})
    recompute_alerts(now=NOW + 3 * DAY)
    holding.refresh_from_db()
    assert holding.status == AlertStatus.OPEN and holding.session == 4
    assert holding.woken_reason.startswith("New answer since this was acknowledged on 3 Mar")


def test_the_same_holds_when_the_late_answer_was_dismissed(therapist_a, pushed_at_3):
    client, episode, held, alert = pushed_at_3
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW)
    answer_session_2_late(client, held, pushed=2)
    alert.refresh_from_db()
    services.alert_dismiss(
        actor=therapist_a, alert=alert, reason="Talked it through", now=NOW + DAY
    )
    recompute_alerts(now=NOW + DAY)
    holding = active(episode)["pushed_or_overridden"]
    assert holding.session == 3 and holding.status == AlertStatus.ACKNOWLEDGED


def test_an_instance_never_acknowledged_opens_once_the_late_answer_is_seen(
    therapist_a, pushed_at_3
):
    client, episode, held, alert = pushed_at_3  # session 3's answer: open, not acknowledged
    answer_session_2_late(client, held, pushed=2)
    alert.refresh_from_db()
    services.alert_acknowledge(actor=therapist_a, alert=alert, now=NOW + DAY)
    recompute_alerts(now=NOW + DAY)
    holding = active(episode)["pushed_or_overridden"]
    assert holding.session == 3 and holding.status == AlertStatus.OPEN
