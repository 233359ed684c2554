"""Booking a time that clashes with another booking warns, and books only once ticked.

Not refused: a group session or a double booking can be meant. But a slip (Gus booked at
09:00 on a day Cleo already has 09:00 with the same therapist, or a client's second
session that day) must be seen before it is saved.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from tests.conftest import make_client

from rapport.accounts.models import User
from rapport.audit.models import AuditEvent
from rapport.clinic.forms import clash_warning
from rapport.clinic.models import Appointment, Attendance


def a_day_ahead_at(hour: int, minute: int = 0) -> datetime:
    """A time on a day a fortnight ahead, in the clinic's time zone."""
    day = timezone.localdate() + timedelta(days=14)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def book(http, episode, when: datetime, *, minutes: int = 50, **extra):
    form = {
        "starts_at": timezone.localtime(when).strftime("%Y-%m-%dT%H:%M"),
        "modality": "video",
        "duration_minutes": str(minutes),
        **extra,
    }
    return http.post(f"/episodes/{episode.pk}/appointments/new/", form)


def on(when: datetime) -> str:
    local = timezone.localtime(when)
    return f"at {local:%H:%M} on {local.day} {local:%b}"


def booked(episode, when: datetime) -> bool:
    return episode.appointments.filter(starts_at=when).exists()


def nine_with(client) -> Appointment:
    return Appointment.objects.create(
        episode=client.episodes.get(), starts_at=a_day_ahead_at(9), duration_minutes=50
    )


@pytest.mark.django_db
def test_a_booking_over_another_clients_session_warns_and_saves_nothing(
    login, therapist_a, cleo, gus
):
    nine_with(cleo)
    episode = gus.episodes.get()
    response = book(login(therapist_a), episode, a_day_ahead_at(9, 30))
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"You already have Cleo S. {on(a_day_ahead_at(9))}." in page
    assert "Book it anyway" in page
    assert "tick “Book it anyway” if you mean it, or choose another time" in page
    assert not booked(episode, a_day_ahead_at(9, 30))


@pytest.mark.django_db
def test_ticked_for_the_clash_it_named_the_booking_is_saved(login, therapist_a, cleo, gus):
    clash = nine_with(cleo)
    episode = gus.episodes.get()
    http = login(therapist_a)
    assert book(http, episode, a_day_ahead_at(9)).status_code == 400
    response = book(
        http, episode, a_day_ahead_at(9), clash_accepted="on", confirmed_for=str(clash.pk)
    )
    assert response.status_code == 302
    assert booked(episode, a_day_ahead_at(9))


@pytest.mark.django_db
def test_a_tick_given_before_another_booking_was_made_asks_again(login, therapist_a, cleo, gus):
    first = nine_with(cleo)
    episode = gus.episodes.get()
    # Booked meanwhile (another tab, a colleague): the tick was for Cleo's session alone.
    other = make_client(therapist_a, "Ada L.")
    Appointment.objects.create(episode=other.episodes.get(), starts_at=a_day_ahead_at(9, 15))
    response = book(
        login(therapist_a),
        episode,
        a_day_ahead_at(9),
        clash_accepted="on",
        confirmed_for=str(first.pk),
    )
    assert response.status_code == 400
    assert f"You already have Ada L. {on(a_day_ahead_at(9, 15))}." in html.unescape(
        response.content.decode()
    )
    assert not booked(episode, a_day_ahead_at(9))


@pytest.mark.django_db
def test_a_second_session_of_the_client_that_day_warns_too(login, therapist_a, gus):
    morning = nine_with(gus)
    response = book(login(therapist_a), morning.episode, a_day_ahead_at(15))
    assert response.status_code == 400
    assert f"You already have Gus G. {on(a_day_ahead_at(9))}." in html.unescape(
        response.content.decode()
    )


@pytest.mark.django_db
def test_back_to_back_cancelled_and_other_therapists_sessions_are_no_clash(
    login, therapist_a, therapist_b, cleo, gus
):
    nine_with(cleo)  # 09:00-09:50
    cancelled = Appointment.objects.create(
        episode=cleo.episodes.get(),
        starts_at=a_day_ahead_at(11),
        attendance=Attendance.CANCELLED,
    )
    Appointment.objects.create(
        episode=make_client(therapist_b, "Bea B.").episodes.get(), starts_at=a_day_ahead_at(13)
    )
    episode = gus.episodes.get()
    http = login(therapist_a)
    for when in (a_day_ahead_at(9, 50), cancelled.starts_at, a_day_ahead_at(13)):
        assert book(http, episode, when).status_code == 302, when
        # Booked: the next one is on the same day, which now clashes with this one.
        Appointment.objects.filter(episode=episode, starts_at=when).update(
            attendance=Attendance.CANCELLED
        )


@pytest.mark.django_db
def test_a_supervisor_booking_for_a_supervisee_is_told_whose_diary_it_is(
    login, supervisor, therapist_a, cleo, gus
):
    nine_with(cleo)
    response = book(login(supervisor), gus.episodes.get(), a_day_ahead_at(9))
    page = html.unescape(response.content.decode())
    assert f"{therapist_a} already has Cleo S. {on(a_day_ahead_at(9))}." in page
    # Cleo's name and time were shown: a read of her data, audited as such.
    assert AuditEvent.objects.filter(
        client_id=cleo.pk, target="page:appointment_create", actor=supervisor
    ).exists()


@pytest.mark.django_db
def test_a_client_the_user_may_not_see_is_not_named(therapist_a, cleo):
    clash = nine_with(cleo)
    supervisor = User(full_name="Sam Supervisor")
    supervisor.pk = 999_999
    text = clash_warning([clash], visible=set(), user=supervisor, therapist=therapist_a)
    assert text == f"{therapist_a} already has another client {on(a_day_ahead_at(9))}."
    assert "Cleo" not in text
