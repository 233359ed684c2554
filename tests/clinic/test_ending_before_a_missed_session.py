"""Ending an episode before a session recorded after that date is refused, and the message
says how that session was recorded: "There is a recorded session on 30 Nov" for a session
the client missed read as a mistake to a therapist dating a dropout at the last session
attended. Fixed clock (DESIGN §3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.clinic.conftest import FIXED

from rapport.clinic.models import Appointment, Attendance

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("attendance", "said"),
    [(Attendance.NO_SHOW, "recorded as missed"), (Attendance.ATTENDED, "recorded as attended")],
)
def test_the_refusal_says_how_the_later_session_was_recorded(
    login, therapist_a, episode, attendance, said
):
    Appointment.objects.create(
        episode=episode, starts_at=FIXED - timedelta(days=9), attendance=Attendance.ATTENDED
    )
    Appointment.objects.create(
        episode=episode, starts_at=FIXED - timedelta(days=2), attendance=attendance
    )
    response = login(therapist_a).post(
        f"/episodes/{episode.pk}/end/", {"ended_on": "2026-11-23", "end_reason": "dropped_out"}
    )

    assert response.status_code == 400
    assert (
        f"There is a session {said} on 30 Nov 2026, after this date: end the episode on or "
        "after its last session." in response.content.decode()
    )
    episode.refresh_from_db()
    assert episode.ended_on is None
