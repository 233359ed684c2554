"""Moving an episode to "Ending" recomputes its alerts at once: dropout risk is not raised
during a planned ending (monitoring.signals.dropout), and the alert used to stay open until
the next hourly recompute or the next answer or attendance mark."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.monitoring.db.helpers import NOW, checkins, make_episode

from rapport.clinic.models import Appointment, Attendance, Phase
from rapport.clinic.services import episode_update
from rapport.monitoring.models import Alert, AlertStatus
from rapport.monitoring.tasks import recompute_alerts

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _answers_do_not_recompute(monkeypatch):
    """The answers below are stored without their own recompute (it reads the wall clock);
    the phase listener under test is left in place."""
    from rapport.core import hooks

    monkeypatch.setattr(hooks, "_response_listeners", [])
    monkeypatch.setattr(hooks, "_attendance_listeners", [])


def open_dropout_alert(episode) -> bool:
    return Alert.objects.filter(
        episode=episode, kind="dropout_risk", status=AlertStatus.OPEN
    ).exists()


def test_a_planned_ending_closes_the_dropout_alert_at_once(
    therapist_a, django_capture_on_commit_callbacks
):
    client, episode, held = make_episode(therapist_a, "Risk R.", sessions=3, birth_year=2004)
    Appointment.objects.create(
        episode=episode,
        starts_at=held[0].starts_at + dt.timedelta(days=2),
        attendance=Attendance.NO_SHOW,
    )
    checkins(client, held, [38, 38, 30])
    recompute_alerts(now=NOW)
    assert open_dropout_alert(episode)

    with django_capture_on_commit_callbacks(execute=True):
        episode_update(actor=therapist_a, episode=episode, phase=Phase.ENDING)
    assert not open_dropout_alert(episode)


def test_other_episode_changes_do_not_recompute(therapist_a, django_capture_on_commit_callbacks):
    _client, episode, _held = make_episode(therapist_a, "Same S.", sessions=3)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        episode_update(actor=therapist_a, episode=episode, referral_source="GP")
    assert callbacks == []
