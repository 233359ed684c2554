"""The demo clinic has plausible check-in answers, so its client pages show charts."""

from __future__ import annotations

import datetime as dt

import pytest

from rapport.clinic.models import Attendance
from rapport.demo import seed_demo
from rapport.measures.models import Response


@pytest.fixture
def demo(db):
    clinic, _ = seed_demo()
    return clinic


@pytest.mark.django_db
def test_most_attended_appointments_have_a_phq9_before_and_a_checkin_after(demo):
    from rapport.clinic.models import Appointment

    attended = Appointment.objects.filter(
        episode__client__clinic=demo, attendance=Attendance.ATTENDED
    ).count()
    phq9 = Response.objects.filter(instrument_id="phq9").count()
    checkins = Response.objects.filter(instrument_id="session-checkin").count()
    assert phq9 == checkins
    assert 0.75 * attended <= phq9 <= attended
    assert Response.objects.filter(appointment__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_demo_has_alliance_drops_a_little_pushed_and_a_risk_answer(demo):
    checkins = Response.objects.filter(instrument_id="session-checkin")
    dropped = {r.client_id for r in checkins if r.total is not None and r.total < 30}
    assert len(dropped) >= 2
    assert any(r.item_values.get("pushed") == 1 for r in checkins)
    assert Response.objects.filter(instrument_id="phq9").exclude(risk_flags=[]).count() == 1
    assert any(r.text_answers for r in checkins)


@pytest.mark.django_db
def test_demo_client_pages_show_the_charts(demo, client):
    from rapport.accounts.models import User

    alex = User.objects.get(email="alex@demo.test")
    client.force_login(alex)
    patient = demo.clients.filter(therapist=alex).order_by("pk")[1]
    page = client.get(f"/clients/{patient.pk}/").content.decode()
    assert page.count('class="chart"') >= 2


@pytest.mark.django_db
def test_no_demo_therapist_has_two_clients_at_once_and_no_answer_is_in_the_future(demo):
    """The booking form refuses a clash, so the demo has none (it had five clients at 09:00
    on one day); a session still running is not attended yet, and no after-session answer
    is dated after now (one said 11:00 at 10:30, and charts, caseload and alerts left it out)."""
    from collections import Counter

    from django.utils import timezone

    from rapport.clinic.models import Appointment

    booked = Appointment.objects.filter(episode__client__clinic=demo).exclude(
        attendance=Attendance.CANCELLED
    )
    slots = Counter((a.episode.client.therapist_id, a.starts_at) for a in booked)
    assert slots and max(slots.values()) == 1
    now = timezone.now()
    assert not Response.objects.filter(administered_at__gt=now).exists()
    for appointment in booked.filter(attendance=Attendance.ATTENDED):
        assert appointment.starts_at + dt.timedelta(minutes=appointment.duration_minutes) <= now
