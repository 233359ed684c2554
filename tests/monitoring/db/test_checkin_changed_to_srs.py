"""A clinic moves its after-session check-in from Rapport's check-in to the SRS once it has
loaded the licensed wording. Through the alert layer: the weeks answered on the check-in
are not silence, and the check-in's last rupture and low rating give way to the SRS."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.checkins.models import ClinicSchedule
from rapport.monitoring import services
from rapport.monitoring.models import ACTIVE_STATUSES, Alert
from tests.monitoring.db.helpers import NOW, checkins, make_episode, record

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hooks_off")]


def active(episode) -> dict[str, Alert]:
    return {a.kind: a for a in Alert.objects.filter(episode=episode, status__in=ACTIVE_STATUSES)}


def _srs(value: float) -> dict:
    return {f"srs_{n}": value for n in range(1, 5)}


def _srs_after(client, appointments) -> None:
    for appointment in appointments:
        at = appointment.starts_at + dt.timedelta(hours=1)
        record(client, "srs", _srs(9.5), at=at, appointment=appointment)


def test_the_day_after_the_switch_the_weeks_of_check_ins_are_not_silence(therapist_a):
    client, episode, held = make_episode(therapist_a, "Weekly W.", sessions=8)
    checkins(client, held[:7], [38] * 7)
    # The clinic now asks the SRS (its wording loaded: set directly here); session 8 was
    # yesterday and its SRS has not come yet.
    ClinicSchedule.objects.create(clinic=therapist_a.clinic, after_instrument="srs")
    services.alerts_recompute_episode(episode=episode, now=NOW)
    assert "feedback_missing" not in active(episode)


def test_the_check_in_rupture_gives_way_to_three_sessions_on_the_srs(therapist_a):
    client, episode, held = make_episode(therapist_a, "Switch S.", sessions=8)
    checkins(client, held[:4], [38, 38, 38, 30])
    services.alerts_recompute_episode(episode=episode, now=NOW - dt.timedelta(weeks=4))
    before = active(episode)
    assert before["alliance_rupture"].signal_key == "alliance_rupture:session-checkin:4"
    assert before["alliance_low"].signal_key == "alliance_low:session-checkin:4"

    ClinicSchedule.objects.create(clinic=therapist_a.clinic, after_instrument="srs")
    _srs_after(client, held[4:])
    services.alerts_recompute_episode(episode=episode, now=NOW)
    assert set(active(episode)) & {"alliance_rupture", "alliance_low", "feedback_missing"} == set()
