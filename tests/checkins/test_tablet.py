"""Tablet mode: the therapist hands the device over; getting back needs a fresh login."""

from __future__ import annotations

import pytest
from tests.checkins._helpers import CHECKIN_ANSWERS, appointment_of, form_key
from tests.conftest import CANARY

from rapport.checkins.models import CheckIn
from rapport.measures.models import Response


def start_tablet(http, client_a, instrument="session-checkin"):
    appointment = appointment_of(client_a)
    return http.post(
        f"/appointments/{appointment.pk}/checkins/new/",
        {"instrument": instrument, "timing": "after", "mode": "tablet"},
    )


@pytest.mark.django_db
def test_starting_tablet_mode_signs_the_therapist_out_and_opens_the_checkin(
    login, therapist_a, client_a
):
    http = login(therapist_a)
    response = start_tablet(http, client_a)
    assert response.status_code == 302
    assert response["Location"].startswith("/c/")
    assert "_auth_user_id" not in http.session
    assert CheckIn.objects.get().mode == "tablet"
    page = http.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert "After-session check-in" in body
    assert CANARY not in body and therapist_a.email not in body
    assert "Sign out" not in body


@pytest.mark.django_db
def test_after_submitting_the_tablet_stays_locked(login, therapist_a, client_a):
    http = login(therapist_a)
    location = start_tablet(http, client_a)["Location"]
    key = form_key(http.get(location).content.decode())
    thanks = http.post(location, {**CHECKIN_ANSWERS, "form_key": key})
    assert thanks.status_code == 200
    assert "Please hand the device back to your therapist." in thanks.content.decode()
    assert Response.objects.get().source == "tablet"
    for path in ("/caseload/", f"/clients/{client_a.pk}/", "/"):
        response = http.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
    assert http.get(location).status_code == 410


@pytest.mark.django_db
def test_tablet_mode_for_a_client_outside_my_scope_changes_nothing(login, therapist_b, client_a):
    http = login(therapist_b)
    assert start_tablet(http, client_a).status_code == 404
    assert "_auth_user_id" in http.session
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_a_tablet_link_lasts_two_hours_not_the_days_a_sent_link_does(login, therapist_a, client_a):
    from datetime import timedelta

    from django.utils import timezone

    start_tablet(login(therapist_a), client_a)
    left = CheckIn.objects.get().expires_at - timezone.now()
    assert timedelta(hours=1, minutes=55) < left <= timedelta(hours=2)
