"""An appointment booked in error (the wrong year: 2027 for 2026) could only be cancelled,
and a cancellation counts in attendance and towards dropout risk. One still to come with
nothing sent or given for it can now be deleted: a confirmation page (GET changes nothing),
then a POST; audited. Fixed clock (DESIGN §3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from tests.clinic.conftest import FIXED

from rapport.audit.models import AuditEvent
from rapport.checkins.services import checkin_create
from rapport.clinic.models import Appointment
from rapport.clinic.services import appointment_delete

pytestmark = pytest.mark.django_db


def booked(episode, **offset) -> Appointment:
    return Appointment.objects.create(episode=episode, starts_at=FIXED + timedelta(**offset))


def test_a_wrong_year_booking_is_deleted_after_confirming(login, therapist_a, episode):
    wrong = booked(episode, days=372)  # 9 Dec 2027, meant for 9 Dec 2026
    http = login(therapist_a)
    page = http.get(f"/appointments/{wrong.pk}/attendance/").content.decode()
    assert f'<a href="/appointments/{wrong.pk}/delete/">Delete the appointment</a>' in page

    confirm = http.get(f"/appointments/{wrong.pk}/delete/").content.decode()
    assert "Thu 9 Dec 2027, 09:00" in confirm
    assert "Delete the appointment</button>" in confirm
    assert "A deleted appointment is not a cancellation" in confirm
    assert Appointment.objects.filter(pk=wrong.pk).exists()  # showing it deletes nothing

    response = http.post(f"/appointments/{wrong.pk}/delete/")
    assert response.status_code == 302
    assert not Appointment.objects.filter(pk=wrong.pk).exists()
    page = http.get(response["Location"]).content.decode()
    assert "Appointment on Thu 9 Dec 2027, 09:00 deleted: it was booked in error." in page
    # The log keeps when it was booked for (in UTC): the row is all that remains of it.
    event = AuditEvent.objects.get(target__startswith=f"appointment:{wrong.pk}:", action="delete")
    assert event.target == f"appointment:{wrong.pk}:2027-12-09T09:00+00:00"
    assert (event.actor_id, event.client_id) == (therapist_a.pk, episode.client_id)


def test_an_appointment_with_a_check_in_link_cannot_be_deleted(login, therapist_a, episode):
    coming = booked(episode, days=7)
    checkin_create(actor=therapist_a, appointment=coming, instrument_id="phq9")
    http = login(therapist_a)
    assert (
        "Delete the appointment"
        not in http.get(f"/appointments/{coming.pk}/attendance/").content.decode()
    )
    confirm = http.get(f"/appointments/{coming.pk}/delete/").content.decode()
    assert "Something was sent or given for this appointment" in confirm
    assert "</button>" not in confirm.split("<h1>", 1)[1]

    response = http.post(f"/appointments/{coming.pk}/delete/")
    assert response.status_code == 400
    assert Appointment.objects.filter(pk=coming.pk).exists()
    assert not AuditEvent.objects.filter(
        target__startswith=f"appointment:{coming.pk}", action="delete"
    )


def test_a_session_that_has_started_cannot_be_deleted(login, therapist_a, episode):
    held = booked(episode, days=-1)
    http = login(therapist_a)
    assert (
        "Delete the appointment"
        not in http.get(f"/appointments/{held.pk}/attendance/").content.decode()
    )
    response = http.post(f"/appointments/{held.pk}/delete/")
    assert response.status_code == 400
    assert "Only an appointment still to come can be deleted." in response.content.decode()
    assert Appointment.objects.filter(pk=held.pk).exists()


def test_another_therapists_appointment_is_not_found(login, therapist_b, episode):
    wrong = booked(episode, days=372)
    assert login(therapist_b).post(f"/appointments/{wrong.pk}/delete/").status_code == 404
    assert Appointment.objects.filter(pk=wrong.pk).exists()


def test_a_cancellation_by_the_client_stays_as_recorded(login, therapist_a, episode):
    """A cancelled appointment still to come (the client's cancellations count towards
    dropout risk) is not deleted as booked in error: that would quietly lower the risk."""
    cancelled = booked(episode, days=7)
    http = login(therapist_a)
    saved = http.post(
        f"/appointments/{cancelled.pk}/attendance/",
        {"attendance": "cancelled", "cancelled_by": "client"},
    )
    assert saved.status_code == 302
    cancelled.refresh_from_db()
    assert (cancelled.attendance, cancelled.cancelled_by) == ("cancelled", "client")
    page = http.get(f"/appointments/{cancelled.pk}/attendance/").content.decode()
    assert "Delete the appointment" not in page
    assert f"/appointments/{cancelled.pk}/delete/" not in page

    confirm = http.get(f"/appointments/{cancelled.pk}/delete/").content.decode()
    assert "This appointment is recorded as cancelled, and that stays as recorded" in confirm
    assert "</button>" not in confirm.split("<h1>", 1)[1]

    response = http.post(f"/appointments/{cancelled.pk}/delete/")
    assert response.status_code == 400
    assert "recorded as cancelled" in response.content.decode()
    cancelled.refresh_from_db()
    assert (cancelled.attendance, cancelled.cancelled_by) == ("cancelled", "client")
    assert not AuditEvent.objects.filter(
        target__startswith=f"appointment:{cancelled.pk}", action="delete"
    )


def test_only_the_clients_own_therapist_deletes_a_booking(login, supervisor, therapist_a, episode):
    """Deleting a booking made in error is the booking therapist's act: the supervisor, who
    sees the client, gets 403 and no link, and may still cancel it."""
    wrong = booked(episode, days=372)
    http = login(supervisor)
    page = http.get(f"/appointments/{wrong.pk}/attendance/")
    assert page.status_code == 200
    assert f"/appointments/{wrong.pk}/delete/" not in page.content.decode()
    assert http.get(f"/appointments/{wrong.pk}/delete/").status_code == 403
    assert http.post(f"/appointments/{wrong.pk}/delete/").status_code == 403
    assert Appointment.objects.filter(pk=wrong.pk).exists()
    assert not AuditEvent.objects.filter(
        target__startswith=f"appointment:{wrong.pk}", action="delete"
    )

    cancel = http.post(
        f"/appointments/{wrong.pk}/attendance/",
        {"attendance": "cancelled", "cancelled_by": "clinic"},
    )
    assert cancel.status_code == 302
    wrong.refresh_from_db()
    assert wrong.attendance == "cancelled"


def test_the_service_refuses_anyone_but_the_clients_therapist(supervisor, episode):
    wrong = booked(episode, days=372)
    with pytest.raises(PermissionDenied):
        appointment_delete(actor=supervisor, appointment=wrong)
    assert Appointment.objects.filter(pk=wrong.pk).exists()
