"""A dropout risk's "since session N" moves only when the client's data moved, never
because the clinic recalibrated its dropout model in between. The recompute puts right an
onset stored before onsets were kept (``test_services_stored_dropout_onset``) by replaying
the earlier sessions; replayed with a model fitted after the alert was raised, that replay
read the same unchanged sessions with other weights and moved "since session 5" to
"since session 2" with nothing new about the client. Fixed clock: ``NOW`` (Monday 2 Mar
2026, noon). All people are invented."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from rapport.clinic.models import Appointment, Attendance, AttendanceBasis
from rapport.monitoring import services
from rapport.monitoring.calibration import DropoutRecalibration
from rapport.monitoring.models import Alert, AlertStatus, DropoutCalibration
from rapport.monitoring.signals import DEFAULT_DROPOUT_MODEL, CitedValue
from rapport.monitoring.tasks import recompute_alerts
from tests.monitoring.db.helpers import NOW, make_episode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def _recalibrate(clinic, shift: float) -> None:
    """Store a clinic model whose intercept is ``shift`` above the published one: the same
    factors, so the same reasons, each estimate higher."""
    published = DEFAULT_DROPOUT_MODEL.intercept
    model = dataclasses.replace(
        DEFAULT_DROPOUT_MODEL,
        intercept=CitedValue(float(published.value) + shift, "test recalibration"),
    )
    services.dropout_calibration_store(
        clinic=clinic,
        result=DropoutRecalibration(
            model=model,
            intercept_shift=shift,
            slope=1.0,
            episodes=200,
            events=60,
            mean_predicted=0.3,
            previous_mean_predicted=0.197,
        ),
        actor_label="test",
    )


@pytest.fixture
def risk_from_session_5(therapist_a):
    """A young client on a mandated basis: one missed appointment before session 2 and two
    more before session 5. With the published model the estimate is 22% at sessions 2 to 4
    (-2.44 + .40 young + .40 mandated + .35 missed = -1.29), below the 30% line, and 36%
    at session 5 (three missed: -0.59): a medium risk raised at session 5."""
    client, episode, held = make_episode(
        therapist_a,
        "Onset R.",
        sessions=5,
        birth_year=2004,
        attendance_basis=AttendanceBasis.MANDATED_LEGAL,
    )
    for when in (held[0].starts_at + 2 * DAY, held[3].starts_at + DAY, held[3].starts_at + 3 * DAY):
        Appointment.objects.create(episode=episode, starts_at=when, attendance=Attendance.NO_SHOW)
    recompute_alerts(now=NOW)
    alert = Alert.objects.get(episode=episode, kind="dropout_risk")
    assert (alert.severity, alert.session, alert.onset_session) == ("medium", 5, 5)
    return client, episode, alert


def test_a_recalibration_between_two_recomputes_does_not_move_the_onset(
    therapist_a, risk_from_session_5
):
    _client, _episode, alert = risk_from_session_5
    key = alert.signal_key
    # +0.5 on the intercept: 31% at sessions 2 to 4 (-0.79) and 48% at session 5 (-0.09),
    # the same medium band and reasons as at session 5 all along.
    _recalibrate(therapist_a.clinic, 0.5)

    for now in (NOW + HOUR, NOW + 2 * HOUR):  # nothing new about the client in between
        result = recompute_alerts(now=now)
        alert.refresh_from_db()
        assert alert.evidence["intercept"] == pytest.approx(-1.9437)  # today's model judged it
        assert (alert.signal_key, alert.session, alert.onset_session) == (key, 5, 5)
        assert alert.status == AlertStatus.OPEN
        assert (result.created, result.reopened) == (0, 0)


def test_without_a_recalibration_the_same_recompute_keeps_the_onset_too(risk_from_session_5):
    _client, _episode, alert = risk_from_session_5
    assert recompute_alerts(now=NOW + HOUR).updated == 0
    alert.refresh_from_db()
    assert alert.onset_session == 5


def test_an_onset_judged_with_the_model_in_force_since_before_the_alert_is_still_put_right(
    therapist_a, risk_from_session_5
):
    """The correction itself stays for the model that raised the alert: here the clinic's
    model was stored before the alert, which (stored before onsets were kept) read "since
    session 5" for a risk this model shows since session 2."""
    _client, episode, alert = risk_from_session_5
    _recalibrate(therapist_a.clinic, 0.5)
    DropoutCalibration.objects.update(created_at=NOW - 30 * DAY)

    recompute_alerts(now=NOW + HOUR)

    alert.refresh_from_db()
    assert (alert.session, alert.onset_session) == (5, 2)
