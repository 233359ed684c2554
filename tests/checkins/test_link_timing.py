"""A link's life follows its appointment: a questionnaire sent before a session works until
the session, and a check-in about a session cannot be sent before the session has begun.

Time-dependent rules are tested with a fixed clock (DESIGN §3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from tests.checkins._helpers import PHQ9_ZERO, form_key

from rapport.checkins.models import CheckIn
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment
from rapport.measures.models import Response

FIXED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday
HOURS = timedelta(hours=72)  # RAPPORT_CHECKIN_LINK_HOURS in the tests


def book(client, starts_at, *, minutes=50):
    return Appointment.objects.create(
        episode=client.episodes.get(), starts_at=starts_at, duration_minutes=minutes
    )


def at(monkeypatch, when):
    monkeypatch.setattr(timezone, "now", lambda: when)


@pytest.mark.django_db
def test_a_questionnaire_before_a_session_two_weeks_ahead_works_until_the_session(
    client, client_a, monkeypatch
):
    appointment = book(client_a, FIXED + timedelta(days=13, hours=1))
    checkin, token = checkin_create(
        actor=None, appointment=appointment, instrument_id="phq9", timing="before", now=FIXED
    )
    ends = appointment.starts_at + timedelta(minutes=50)
    assert checkin.expires_at == ends
    at(monkeypatch, appointment.starts_at - timedelta(minutes=5))
    key = form_key(client.get(f"/c/{token}/").content.decode())
    assert client.post(f"/c/{token}/", {**PHQ9_ZERO, "form_key": key}).status_code == 200
    assert Response.objects.get().appointment == appointment


@pytest.mark.django_db
def test_a_questionnaire_before_a_session_soon_keeps_the_usual_hours(client_a):
    appointment = book(client_a, FIXED + timedelta(days=1))
    checkin, _ = checkin_create(
        actor=None, appointment=appointment, instrument_id="phq9", timing="before", now=FIXED
    )
    assert checkin.expires_at == FIXED + HOURS


@pytest.mark.django_db
def test_a_link_created_at_or_after_the_session_keeps_the_configured_hours(client_a):
    appointment = book(client_a, FIXED - timedelta(minutes=30))
    for instrument_id, timing in (("phq9", "before"), ("session-checkin", "after")):
        checkin, _ = checkin_create(
            actor=None,
            appointment=appointment,
            instrument_id=instrument_id,
            timing=timing,
            now=FIXED,
        )
        assert checkin.expires_at == FIXED + HOURS


@pytest.mark.django_db
def test_a_link_never_lasts_more_than_two_weeks_so_a_session_further_ahead_is_refused(client_a):
    appointment = book(client_a, FIXED + timedelta(days=15))
    with pytest.raises(ValidationError, match="more than two weeks away"):
        checkin_create(
            actor=None, appointment=appointment, instrument_id="phq9", timing="before", now=FIXED
        )
    assert not CheckIn.objects.exists()
    # Just inside two weeks: the link ends with the session or after two weeks, if sooner.
    close = book(client_a, FIXED + timedelta(days=14) - timedelta(minutes=10))
    checkin, _ = checkin_create(
        actor=None, appointment=close, instrument_id="phq9", timing="before", now=FIXED
    )
    assert checkin.expires_at == FIXED + timedelta(weeks=2)


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["link", "tablet"])
def test_an_after_session_checkin_cannot_be_created_before_the_session_has_started(client_a, mode):
    appointment = book(client_a, FIXED + timedelta(days=14))
    with pytest.raises(ValidationError, match="has not started yet") as error:
        checkin_create(
            actor=None,
            appointment=appointment,
            instrument_id="session-checkin",
            timing="after",
            mode=mode,
            now=FIXED,
        )
    assert "timing" in error.value.message_dict
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("timing", ["before", "other"])
def test_a_questionnaire_about_the_session_cannot_be_sent_before_it_whatever_the_timing(
    client_a, timing
):
    appointment = book(client_a, FIXED + timedelta(days=2))
    with pytest.raises(ValidationError, match="has not started yet"):
        checkin_create(
            actor=None,
            appointment=appointment,
            instrument_id="session-checkin",
            timing=timing,
            now=FIXED,
        )
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_an_after_session_checkin_can_be_sent_once_the_session_has_started(client_a):
    appointment = book(client_a, FIXED - timedelta(minutes=1))
    checkin, _ = checkin_create(
        actor=None,
        appointment=appointment,
        instrument_id="session-checkin",
        timing="after",
        mode="tablet",
        now=FIXED,
    )
    assert checkin.expires_at == FIXED + timedelta(hours=2)


@pytest.mark.django_db
def test_posting_an_after_session_checkin_for_an_upcoming_session_explains_and_changes_nothing(
    login, therapist_a, client_a
):
    upcoming = client_a.episodes.get().appointments.order_by("starts_at").last()
    assert upcoming.starts_at > timezone.now()
    http = login(therapist_a)
    response = http.post(
        f"/appointments/{upcoming.pk}/checkins/new/",
        {"instrument": "session-checkin", "timing": "after", "mode": "link"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "has not started yet" in page
    assert not CheckIn.objects.exists()
    tablet = http.post(
        f"/appointments/{upcoming.pk}/checkins/new/",
        {"instrument": "session-checkin", "timing": "after", "mode": "tablet"},
    )
    assert tablet.status_code == 400
    assert "_auth_user_id" in http.session, "a refused tablet check-in signs nobody out"


@pytest.mark.django_db
def test_the_panel_offers_no_after_session_checkin_for_an_upcoming_appointment(
    login, therapist_a, client_a
):
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    table = page[page.index('class="checkin-actions"') :]
    table = table[: table.index("</table>")]
    rows = table.split("<tr>")[2:]
    past, upcoming = rows
    assert 'name="timing" value="after"' in past
    # Too late for a questionnaire before last week's session (test_before_session_too_late).
    assert 'name="timing" value="before"' not in past
    assert 'name="timing" value="after"' not in upcoming
    assert 'name="timing" value="before"' in upcoming
    assert "Once the session has started" in upcoming


@pytest.mark.django_db
def test_the_panel_says_when_a_session_is_too_far_ahead_for_a_link(login, therapist_a, client_a):
    client_a.episodes.get().appointments.filter(starts_at__gt=timezone.now()).update(
        starts_at=timezone.now() + timedelta(days=20)
    )
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    table = page[page.index('class="checkin-actions"') :]
    table = table[: table.index("</table>")]
    upcoming = table.split("<tr>")[-1]
    assert 'name="timing" value="before"' not in upcoming
    assert "can be sent from" in upcoming


@pytest.mark.django_db
def test_the_command_line_link_for_the_next_session_works_until_it(capsys, client_a):
    from rapport.cli import main

    upcoming = client_a.episodes.get().appointments.order_by("starts_at").last()
    args = ["checkin-link", "--client", str(client_a.pk), "--instrument", "phq9"]
    assert main([*args, "--hours", "1"]) == 0
    checkin = CheckIn.objects.get()
    assert checkin.appointment == upcoming
    assert checkin.expires_at == upcoming.starts_at + timedelta(minutes=50)
    capsys.readouterr()
    assert (
        main(
            [
                "checkin-link",
                "--client",
                str(client_a.pk),
                "--instrument",
                "session-checkin",
                "--timing",
                "after",
            ]
        )
        == 2
    )
    assert "has not started yet" in capsys.readouterr().err


@pytest.mark.django_db
@pytest.mark.parametrize("attendance", ["cancelled", "no_show"])
def test_marking_a_session_missed_revokes_its_links_about_the_session_only(
    client, client_a, therapist_a, monkeypatch, attendance
):
    from rapport.audit.models import AuditEvent
    from rapport.clinic.services import appointment_record_attendance

    appointment = book(client_a, FIXED - timedelta(minutes=30))  # under way
    before, _ = checkin_create(
        actor=None, appointment=appointment, instrument_id="phq9", timing="before", now=FIXED
    )
    alliance, alliance_token = checkin_create(
        actor=None,
        appointment=appointment,
        instrument_id="session-checkin",
        timing="after",
        now=FIXED,
    )
    at(monkeypatch, FIXED + timedelta(minutes=5))
    appointment_record_attendance(actor=therapist_a, appointment=appointment, attendance=attendance)

    before.refresh_from_db()
    alliance.refresh_from_db()
    # Answered, the alliance check-in would rate (and could raise an alert about) a session
    # that never happened; how the client has been still holds.
    assert alliance.revoked_at is not None and before.revoked_at is None
    assert AuditEvent.objects.filter(
        target=f"checkin:{alliance.pk}:revoked", actor_label="system", client_id=client_a.pk
    ).exists()
    assert client.get(f"/c/{alliance_token}/").status_code in (404, 410)
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_ending_an_episode_revokes_links_about_sessions_it_cancels_and_no_new_link_is_made(
    client_a, therapist_a, monkeypatch
):
    from rapport.clinic.services import episode_end

    episode = client_a.episodes.get()
    yesterday = book(client_a, FIXED - timedelta(days=1))
    episode.started_on = (FIXED - timedelta(days=30)).date()
    episode.save()
    alliance, _ = checkin_create(
        actor=None,
        appointment=yesterday,
        instrument_id="session-checkin",
        timing="after",
        now=FIXED,
    )
    at(monkeypatch, FIXED)
    # Ended two days ago: yesterday's booked session did not happen, and is cancelled.
    episode_end(
        actor=therapist_a,
        episode=episode,
        ended_on=(FIXED - timedelta(days=2)).date(),
        end_reason="planned",
    )
    yesterday.refresh_from_db()
    alliance.refresh_from_db()
    assert yesterday.attendance == "cancelled" and alliance.revoked_at is not None
    with pytest.raises(ValidationError, match="episode of care has ended"):
        checkin_create(
            actor=None, appointment=yesterday, instrument_id="phq9", timing="before", now=FIXED
        )


@pytest.mark.django_db
def test_ending_an_episode_today_cancels_a_session_later_today(client_a, therapist_a, monkeypatch):
    from rapport.clinic.services import episode_end

    episode = client_a.episodes.get()
    episode.started_on = (FIXED - timedelta(days=30)).date()
    episode.save()
    later_today = book(client_a, FIXED + timedelta(hours=2))
    at(monkeypatch, FIXED)
    episode_end(actor=therapist_a, episode=episode, ended_on=FIXED.date(), end_reason="planned")
    later_today.refresh_from_db()
    assert later_today.attendance == "cancelled"
