"""A risk answer refused because its session was recorded as not attended says so.

Review finding: a PHQ-9 asked after the session, whose session the therapist then marked
"Did not attend", refused the client's answers with the reason "the link had been revoked
or replaced": the therapist marked a session and revoked nothing, and went looking for a
revocation nobody made (as for an ended episode, test_refused_risk_notice). A link that
had expired before the marking said "the link had expired", as if the answer were only
late. Both now say the session was recorded as not attended; the episode's end comes first.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, appointment_of, form_key
from tests.checkins.test_refused_risk_notice import NOTICE, RISKY, expire

from rapport.checkins.models import CheckIn, RefusedReason, RefusedRiskAnswer, Timing
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment, Attendance
from rapport.clinic.services import appointment_record_attendance, episode_end
from rapport.measures.models import Response


def phq9_after_the_session(therapist, client) -> tuple[CheckIn, str]:
    return checkin_create(
        actor=therapist,
        appointment=appointment_of(client),
        instrument_id="phq9",
        timing=Timing.AFTER,
    )


def mark_no_show(therapist, checkin) -> None:
    appointment_record_attendance(
        actor=therapist,
        appointment=Appointment.objects.select_related("episode").get(pk=checkin.appointment_id),
        attendance=Attendance.NO_SHOW,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("expired_first", [False, True], ids=["open", "expired-first"])
def test_a_risk_answer_about_a_session_marked_missed_says_so(
    client, client_a, login, therapist_a, expired_first
):
    checkin, token = phq9_after_the_session(therapist_a, client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    if expired_first:
        expire(checkin)
    mark_no_show(therapist_a, checkin)
    refused = client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert refused.status_code == 410 and "If you are struggling right now" in (
        refused.content.decode()
    )
    assert not Response.objects.exists()
    assert RefusedRiskAnswer.objects.get().reason == RefusedReason.SESSION_MISSED
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert NOTICE in page
    assert "the session had been recorded as not attended" in page
    assert "the link could no longer be used" not in page
    assert "the link had been revoked or replaced" not in page
    assert "the link had expired" not in page


@pytest.mark.django_db
def test_a_session_marked_missed_without_revoking_the_link_says_so(client, client_a, therapist_a):
    """However the attendance came to be stored, the link is refused: the reason too."""
    checkin, token = phq9_after_the_session(therapist_a, client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    Appointment.objects.filter(pk=checkin.appointment_id).update(attendance=Attendance.NO_SHOW)
    client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    checkin.refresh_from_db()
    assert checkin.revoked_at is None
    assert RefusedRiskAnswer.objects.get().reason == RefusedReason.SESSION_MISSED


@pytest.mark.django_db
def test_a_phq9_asked_before_a_missed_session_is_still_answered(client, client_a, therapist_a):
    """How the client has been holds whether or not the session took place."""
    appointment = appointment_of(client_a)
    # Under way: a questionnaire before the session can be sent until it ends.
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - timedelta(minutes=10)
    )
    checkin, token = checkin_create(
        actor=therapist_a,
        appointment=appointment,
        instrument_id="phq9",
        timing=Timing.BEFORE,
    )
    key = form_key(client.get(f"/c/{token}/").content.decode())
    mark_no_show(therapist_a, checkin)
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key}).status_code == 200
    assert Response.objects.count() == 1 and not RefusedRiskAnswer.objects.exists()


@pytest.mark.django_db
def test_the_episode_s_end_comes_before_the_missed_session(client, client_a, therapist_a):
    checkin, token = phq9_after_the_session(therapist_a, client_a)
    key = form_key(client.get(f"/c/{token}/").content.decode())
    mark_no_show(therapist_a, checkin)
    episode_end(
        actor=therapist_a, episode=checkin.episode, ended_on=date.today(), end_reason="planned"
    )
    client.post(f"/c/{token}/", {**RISKY, "form_key": key})
    assert RefusedRiskAnswer.objects.get().reason == RefusedReason.EPISODE_ENDED
