"""Alerts follow the signals: raised, updated, resolved when the signal clears; the
therapist acknowledges, logs an action, snoozes or dismisses. All on a fixed clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rapport.audit.models import AuditEvent
from rapport.clinic.models import Appointment, Attendance, EndReason
from rapport.clinic.services import episode_end
from rapport.guidance.models import Strategy
from rapport.guidance.services import library_load
from rapport.monitoring import services
from rapport.monitoring.models import Alert, AlertStatus, RepairAction
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import NOW, checkins, make_episode, outcomes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)


def later_session(client, episode, at, checkin_total=None, *, pushed=0):
    """One more attended session at ``at`` with (optionally) its check-in: the session
    booked at that time, if there is one, is the one held."""
    appointment, _ = Appointment.objects.update_or_create(
        episode=episode, starts_at=at, defaults={"attendance": Attendance.ATTENDED}
    )
    if checkin_total is not None:
        checkins(client, [appointment], [checkin_total], pushed={1: pushed} if pushed else None)
    return appointment


def active(episode):
    return {
        a.kind: a
        for a in Alert.objects.filter(episode=episode).exclude(
            status__in=[AlertStatus.RESOLVED, AlertStatus.DISMISSED]
        )
    }


@pytest.fixture
def ruptured(therapist_a):
    """Six sessions, a steady alliance of about 38 that falls to 29 at session 4 and stays."""
    client, episode, held = make_episode(therapist_a, "Rupture R.", sessions=6)
    checkins(client, held, [38, 38, 37, 29, 30, 30])
    recompute_alerts(now=NOW)
    return client, episode


def test_a_rupture_raises_one_open_alert_with_its_evidence_explanation_and_source(ruptured):
    client, episode = ruptured
    alerts = active(episode)
    assert set(alerts) == {"alliance_rupture", "alliance_low"}
    rupture = alerts["alliance_rupture"]
    assert rupture.status == AlertStatus.OPEN and rupture.severity == "medium"
    assert rupture.onset_session == 4 and rupture.client_id == client.pk
    assert rupture.evidence["score"] == 29 and rupture.evidence["threshold"] == 4
    assert rupture.evidence["latest_score"] == 30
    assert "fell to 29 out of 40 at session 4" in rupture.explanation
    assert "Zlotnick" in rupture.source


def test_recomputing_again_changes_nothing_and_writes_no_alert_audit_rows(ruptured):
    _, episode = ruptured
    before = list(Alert.objects.values_list("pk", "status", "updated_at"))
    audit_before = AuditEvent.objects.filter(target__startswith="alert:").count()
    result = recompute_alerts(now=NOW)
    assert (result.created, result.updated, result.resolved, result.reopened) == (0, 0, 0, 0)
    assert list(Alert.objects.values_list("pk", "status", "updated_at")) == before
    assert AuditEvent.objects.filter(target__startswith="alert:").count() == audit_before


def test_the_rupture_resolves_itself_when_the_alliance_recovers_and_the_repair_is_good_news(
    ruptured,
):
    client, episode = ruptured
    later_session(client, episode, NOW + 6 * DAY, 38)
    recompute_alerts(now=NOW + 7 * DAY)
    rupture = Alert.objects.get(episode=episode, kind="alliance_rupture")
    assert rupture.status == AlertStatus.RESOLVED and rupture.resolved_at == NOW + 7 * DAY
    assert Alert.objects.get(episode=episode, kind="alliance_low").status == AlertStatus.RESOLVED
    repaired = active(episode)["alliance_repaired"]
    assert repaired.is_positive and not repaired.needs_action(timezone.localdate(NOW))
    assert repaired.evidence["rupture_session"] == 4


def test_acknowledge_then_log_action_then_the_alert_resolves_when_the_signal_clears(
    ruptured, therapist_a
):
    client, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    services.alert_acknowledge(actor=therapist_a, alert=rupture, now=NOW)
    assert rupture.status == AlertStatus.ACKNOWLEDGED and rupture.acknowledged_by == therapist_a
    library_load(clinic=client.clinic)
    strategy = Strategy.objects.get(clinic=client.clinic, slug="name-the-rupture")
    action = services.alert_log_action(
        actor=therapist_a,
        alert=rupture,
        strategy=strategy,
        note="Named the drop; she said I rushed into homework.",
        performed_on=timezone.localdate(NOW),
        now=NOW,
    )
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.ACTION_LOGGED
    assert action.strategy_title == strategy.title
    # The recompute keeps the therapist's status while the signal holds...
    recompute_alerts(now=NOW + DAY)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.ACTION_LOGGED
    # ...and resolves the alert once the alliance has recovered.
    later_session(client, episode, NOW + 6 * DAY, 39)
    recompute_alerts(now=NOW + 7 * DAY)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.RESOLVED
    targets = list(AuditEvent.objects.filter(client_id=client.pk).values_list("target", flat=True))
    assert f"alert:{rupture.pk}:acknowledged" in targets
    assert any(t.startswith("repair-action:") for t in targets)
    assert f"alert:{rupture.pk}:resolved-signal-cleared" in targets


def test_the_repair_note_and_dismissal_reason_are_encrypted_at_rest(ruptured, therapist_a):
    _, episode = ruptured
    alerts = active(episode)
    services.alert_log_action(
        actor=therapist_a, alert=alerts["alliance_rupture"], note="Secret-note-42", now=NOW
    )
    services.alert_dismiss(
        actor=therapist_a, alert=alerts["alliance_low"], reason="Secret-reason-42", now=NOW
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM monitoring_repairaction")
        notes = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT dismiss_reason FROM monitoring_alert WHERE status = 'dismissed'")
        reasons = [row[0] for row in cursor.fetchall()]
    assert notes and "Secret-note-42" not in notes[0]
    assert reasons and "Secret-reason-42" not in reasons[0]
    assert RepairAction.objects.get().note == "Secret-note-42"
    assert not AuditEvent.objects.filter(target__contains="Secret").exists()


def test_a_dismissed_rupture_is_not_raised_again_but_a_new_rupture_is(ruptured, therapist_a):
    client, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    services.alert_dismiss(
        actor=therapist_a, alert=rupture, reason="We talked it through already.", now=NOW
    )
    recompute_alerts(now=NOW)
    later_session(client, episode, NOW + 6 * DAY, 31)  # still low: the same rupture
    recompute_alerts(now=NOW + 7 * DAY)
    assert "alliance_rupture" not in active(episode)
    later_session(client, episode, NOW + 13 * DAY, 38)  # repaired within three sessions
    later_session(client, episode, NOW + 20 * DAY, 38)
    later_session(client, episode, NOW + 27 * DAY, 29)  # a new drop: a new rupture
    recompute_alerts(now=NOW + 28 * DAY)
    fresh = active(episode)["alliance_rupture"]
    assert fresh.pk != rupture.pk and fresh.onset_session == 10
    assert Alert.objects.filter(episode=episode, kind="alliance_rupture").count() == 2


def test_a_snoozed_alert_stays_quiet_until_its_date_and_then_opens_again(ruptured, therapist_a):
    _, episode = ruptured
    today = timezone.localdate(NOW)
    rupture = active(episode)["alliance_rupture"]
    services.alert_snooze(actor=therapist_a, alert=rupture, until=today + 7 * DAY, now=NOW)
    assert rupture.is_snoozed(today) and not rupture.needs_action(today)
    recompute_alerts(now=NOW + 6 * DAY)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.SNOOZED
    # On the date it counts as open even before the periodic run...
    assert rupture.needs_action(today + 7 * DAY)
    # ...and the run re-opens it.
    result = recompute_alerts(now=NOW + 7 * DAY)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.OPEN and rupture.snoozed_until is None
    # Only the rupture was snoozed (the low alliance alert stayed open), and it opens
    # because its date came, not for anything new: no reason on the card.
    assert result.reopened == 1 and rupture.woken_reason == ""


@pytest.mark.parametrize(
    ("days", "message"), [(0, "after today"), (-3, "after today"), (91, "at most 90 days")]
)
def test_a_snooze_date_must_be_after_today_and_within_ninety_days(
    ruptured, therapist_a, days, message
):
    _, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    with pytest.raises(ValidationError, match=message):
        services.alert_snooze(
            actor=therapist_a,
            alert=rupture,
            until=timezone.localdate(NOW) + dt.timedelta(days=days),
            now=NOW,
        )
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.OPEN


def test_dismissing_needs_a_reason(ruptured, therapist_a):
    _, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    with pytest.raises(ValidationError):
        services.alert_dismiss(actor=therapist_a, alert=rupture, reason="   ", now=NOW)
    rupture.refresh_from_db()
    assert rupture.status == AlertStatus.OPEN


def test_logging_an_action_needs_a_strategy_or_words_and_a_sensible_date(ruptured, therapist_a):
    _, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    with pytest.raises(ValidationError):
        services.alert_log_action(actor=therapist_a, alert=rupture, note="", now=NOW)
    with pytest.raises(ValidationError):
        services.alert_log_action(
            actor=therapist_a,
            alert=rupture,
            note="Talked",
            performed_on=timezone.localdate(NOW) + DAY,
            now=NOW,
        )
    assert not RepairAction.objects.exists()


def test_a_closed_alert_refuses_every_further_action(ruptured, therapist_a):
    _, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    services.alert_dismiss(actor=therapist_a, alert=rupture, reason="Not relevant", now=NOW)
    for call in (
        lambda: services.alert_acknowledge(actor=therapist_a, alert=rupture, now=NOW),
        lambda: services.alert_log_action(actor=therapist_a, alert=rupture, note="x", now=NOW),
        lambda: services.alert_snooze(
            actor=therapist_a, alert=rupture, until=timezone.localdate(NOW) + DAY, now=NOW
        ),
        lambda: services.alert_dismiss(actor=therapist_a, alert=rupture, reason="x", now=NOW),
    ):
        with pytest.raises(ValidationError, match="closed"):
            call()


def test_the_database_keeps_one_active_alert_per_kind_per_episode(ruptured):
    _, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    copy = {
        f.attname: getattr(rupture, f.attname)
        for f in Alert._meta.concrete_fields
        if f.attname != "id"
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(**copy)
    # A closed alert of the same kind beside the active one is fine.
    Alert.objects.create(**{**copy, "status": AlertStatus.RESOLVED})
    Alert.objects.create(**{**copy, "status": AlertStatus.DISMISSED})


def test_ending_the_episode_resolves_its_alerts(ruptured, therapist_a):
    _, episode = ruptured
    episode_end(
        actor=therapist_a,
        episode=episode,
        ended_on=timezone.localdate(NOW),
        end_reason=EndReason.PLANNED,
    )
    recompute_alerts(now=NOW)
    assert active(episode) == {}
    assert set(Alert.objects.filter(episode=episode).values_list("status", flat=True)) == {
        AlertStatus.RESOLVED
    }


def test_recovery_is_recorded_as_good_news_that_never_needs_action(therapist_a):
    client, episode, held = make_episode(therapist_a, "Better B.", sessions=5)
    outcomes(client, held, [18, 15, 12, 8, 6])
    checkins(client, held, [38, 38, 39, 39, 39])
    recompute_alerts(now=NOW)
    alerts = active(episode)
    assert "recovered" in alerts and "reliable_improvement" not in alerts
    recovered = alerts["recovered"]
    assert recovered.is_positive and recovered.severity == "info"
    assert not recovered.needs_action(timezone.localdate(NOW))


def test_missing_check_ins_raise_an_alert_that_resolves_when_they_come_back(therapist_a):
    client, episode, held = make_episode(therapist_a, "Quiet Q.", sessions=5)
    checkins(client, held, [38, 38, 38, None, None])
    recompute_alerts(now=NOW)
    missing = active(episode)["feedback_missing"]
    assert missing.severity == "low" and missing.evidence["missing_sessions"] == [4, 5]
    later_session(client, episode, NOW + 6 * DAY, 38)
    recompute_alerts(now=NOW + 7 * DAY)
    missing.refresh_from_db()
    assert missing.status == AlertStatus.RESOLVED


def test_a_new_pushed_answer_reopens_an_acknowledged_alert(therapist_a):
    client, episode, held = make_episode(therapist_a, "Pushed P.", sessions=3)
    checkins(client, held, [38, 38, 38], pushed={3: 1})
    recompute_alerts(now=NOW)
    pushed = active(episode)["pushed_or_overridden"]
    services.alert_acknowledge(actor=therapist_a, alert=pushed, now=NOW)
    later_session(client, episode, NOW + 6 * DAY, 38, pushed=2)
    recompute_alerts(now=NOW + 7 * DAY)
    pushed.refresh_from_db()
    assert pushed.status == AlertStatus.OPEN and pushed.severity == "medium"
    assert pushed.onset_session == 4
    later_session(client, episode, NOW + 13 * DAY, 38, pushed=0)
    recompute_alerts(now=NOW + 14 * DAY)
    pushed.refresh_from_db()
    # Not seen yet: a later "no" does not close it (``current._pushed``).
    assert pushed.status == AlertStatus.OPEN and pushed.onset_session == 4
    services.alert_acknowledge(actor=therapist_a, alert=pushed, now=NOW + 14 * DAY)
    recompute_alerts(now=NOW + 14 * DAY)
    pushed.refresh_from_db()
    assert pushed.status == AlertStatus.RESOLVED


def test_a_dismissed_alert_does_not_hide_the_same_kind_on_another_questionnaire(therapist_a):
    # Both worsened reliably; one alert per kind shows the more urgent. Dismissing it
    # ("expected: exams") must let the other questionnaire's deterioration through.
    client, episode, held = make_episode(therapist_a, sessions=4)
    outcomes(client, held, [8, 9, 12, 16], name="gad7")
    outcomes(client, held, [8, 10, 14, 18], name="phq9")
    checkins(client, held, [38, 38, 38, 38])
    services.alerts_recompute_episode(episode=episode, now=NOW)
    first = active(episode)["reliable_deterioration"]
    services.alert_dismiss(actor=therapist_a, alert=first, reason="Expected: exams.", now=NOW)

    services.alerts_recompute_episode(episode=episode, now=NOW + dt.timedelta(hours=1))

    other = active(episode)["reliable_deterioration"]
    assert other.pk != first.pk and other.instrument_id != first.instrument_id
    first.refresh_from_db()
    assert first.status == AlertStatus.DISMISSED


def _srs(value: float) -> dict:
    return {f"srs_{n}": value for n in range(1, 5)}


def test_silence_is_noticed_on_the_check_in_the_episode_actually_asks(therapist_a):
    from rapport.checkins.models import ClinicSchedule
    from rapport.checkins.services import episode_schedule_update
    from tests.monitoring.db.helpers import record

    # A clinic that asks the SRS after each session (its licensed wording loaded: set
    # directly here), answered every time: nothing missing.
    ClinicSchedule.objects.create(clinic=therapist_a.clinic, after_instrument="srs")
    client, episode, held = make_episode(therapist_a, "SRS S.", sessions=4)
    for appointment in held:
        at = appointment.starts_at + dt.timedelta(hours=1)
        record(client, "srs", _srs(9.5), at=at, appointment=appointment)
    services.alerts_recompute_episode(episode=episode, now=NOW)
    assert "feedback_missing" not in active(episode)

    # An episode that asks nothing after sessions: nothing can be missing either.
    quiet_client, quiet, quiet_held = make_episode(therapist_a, "None N.", sessions=4)
    episode_schedule_update(
        actor=therapist_a, episode=quiet, before_instrument="", after_instrument="none"
    )
    outcomes(quiet_client, quiet_held, [12, 11, 10, 9])
    services.alerts_recompute_episode(episode=quiet, now=NOW)
    assert "feedback_missing" not in active(quiet)

    # The SRS stops coming: that silence is noticed.
    silent_client, silent, silent_held = make_episode(therapist_a, "Quiet S.", sessions=4)
    for appointment in silent_held[:2]:
        at = appointment.starts_at + dt.timedelta(hours=1)
        record(silent_client, "srs", _srs(9.5), at=at, appointment=appointment)
    services.alerts_recompute_episode(episode=silent, now=NOW)
    assert active(silent)["feedback_missing"].evidence["missing_sessions"] == [3, 4]


def test_logging_the_same_action_twice_in_a_row_stores_it_once(ruptured, therapist_a):
    client, episode = ruptured
    rupture = active(episode)["alliance_rupture"]
    what = {"note": "Asked how the homework landed.", "performed_on": timezone.localdate(NOW)}
    first = services.alert_log_action(actor=therapist_a, alert=rupture, now=NOW, **what)
    again = services.alert_log_action(
        actor=therapist_a, alert=rupture, now=NOW, **what
    )  # double click
    assert again.pk == first.pk
    assert RepairAction.objects.filter(alert=rupture).count() == 1
    assert AuditEvent.objects.filter(target__startswith="repair-action:").count() == 1
    other = services.alert_log_action(
        actor=therapist_a,
        alert=rupture,
        now=NOW,
        note="Named the rupture.",
        performed_on=what["performed_on"],
    )
    assert other.pk != first.pk and RepairAction.objects.filter(alert=rupture).count() == 2
