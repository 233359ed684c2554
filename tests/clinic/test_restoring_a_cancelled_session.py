"""A cancelled session brought back (its attendance recorded as anything but cancelled) is
a booking again: it used to come back whatever had been booked in its time meanwhile, a
double booking the booking page would have warned of. It is now refused while it clashes
with another booking of the therapist's, or of the client's that day, with the clash
named (``services.RestoreClashes``); the same episode at the same time stays refused."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from tests.clinic.test_booking_clashes import a_day_ahead_at, on

from rapport.clinic import services
from rapport.clinic.models import Appointment, Attendance

REFUSED = (
    "This session was cancelled and its time now clashes with another booking, so it was "
    "not restored. To keep both, book the session again: the booking page lets you "
    "confirm a clash."
)


def session(client, hour: int, minute: int = 0, **fields) -> Appointment:
    return Appointment.objects.create(
        episode=client.episodes.get(),
        starts_at=a_day_ahead_at(hour, minute),
        duration_minutes=50,
        **fields,
    )


def restore(http, appointment: Appointment):
    response = http.post(
        f"/appointments/{appointment.pk}/attendance/", {"attendance": Attendance.SCHEDULED}
    )
    appointment.refresh_from_db()
    return response


@pytest.mark.django_db
def test_a_cancelled_session_is_not_restored_over_another_clients_booking(
    login, therapist_a, cleo, gus
):
    cancelled = session(cleo, 9, attendance=Attendance.CANCELLED)
    session(gus, 9, 30)  # booked into the freed time
    response = restore(login(therapist_a), cancelled)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert REFUSED in page
    assert f"You already have Gus G. {on(a_day_ahead_at(9, 30))}." in page
    assert cancelled.attendance == Attendance.CANCELLED


@pytest.mark.django_db
def test_nor_beside_the_clients_own_booking_that_day(login, therapist_a, gus):
    cancelled = session(gus, 9, attendance=Attendance.CANCELLED)
    session(gus, 15)  # booked again later that day
    response = restore(login(therapist_a), cancelled)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert f"You already have Gus G. {on(a_day_ahead_at(15))}." in page
    assert cancelled.attendance == Attendance.CANCELLED


@pytest.mark.django_db
def test_nor_at_the_time_its_own_episode_was_booked_again(login, therapist_a, gus):
    cancelled = session(gus, 9, attendance=Attendance.CANCELLED)
    session(gus, 9)
    response = restore(login(therapist_a), cancelled)
    assert response.status_code == 400
    assert "This session was booked again at the same time" in html.unescape(
        response.content.decode()
    )
    assert cancelled.attendance == Attendance.CANCELLED


@pytest.mark.django_db
def test_a_cancelled_session_whose_time_is_still_free_comes_back(login, therapist_a, cleo, gus):
    cancelled = session(cleo, 9, attendance=Attendance.CANCELLED)
    session(gus, 9, 50)  # back to back: no clash
    response = restore(login(therapist_a), cancelled)
    assert response.status_code == 302
    assert cancelled.attendance == Attendance.SCHEDULED


@pytest.mark.django_db
def test_the_service_refuses_and_says_which_bookings_clash(therapist_a, cleo, gus):
    cancelled = session(cleo, 9, attendance=Attendance.CANCELLED)
    clash = session(gus, 9, 30)
    with pytest.raises(ValidationError) as refused:
        services.appointment_record_attendance(
            actor=therapist_a, appointment=cancelled, attendance=Attendance.SCHEDULED
        )
    assert isinstance(refused.value, services.RestoreClashes)
    assert [a.pk for a in refused.value.appointments] == [clash.pk]
    assert refused.value.message_dict == {"attendance": [REFUSED]}
    cancelled.refresh_from_db()
    assert cancelled.attendance == Attendance.CANCELLED


@pytest.mark.django_db
def test_cancelling_a_session_that_clashes_is_not_refused(therapist_a, cleo, gus):
    # Two clashing bookings the therapist accepted: cancelling one frees time, never refused.
    one = session(cleo, 9)
    session(gus, 9, 30)
    services.appointment_record_attendance(
        actor=therapist_a, appointment=one, attendance=Attendance.CANCELLED
    )
    one.refresh_from_db()
    assert one.attendance == Attendance.CANCELLED
