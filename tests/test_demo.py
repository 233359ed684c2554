from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rapport.accounts.models import SupervisionLink, User
from rapport.clinic.models import Appointment, Client, Episode
from rapport.demo import DEMO_PASSWORD, seed_demo


def counts():
    return (
        User.objects.count(),
        Client.objects.count(),
        Episode.objects.count(),
        Appointment.objects.count(),
    )


@pytest.mark.django_db
def test_the_demo_clinic_has_the_documented_logins_and_about_thirty_clients():
    clinic, created = seed_demo()
    assert created
    for email, role in [
        ("alex@demo.test", "therapist"),
        ("sam@demo.test", "therapist"),
        ("morgan@demo.test", "supervisor"),
        ("admin@demo.test", "admin"),
    ]:
        user = User.objects.get(email=email)
        assert user.role == role and user.check_password(DEMO_PASSWORD)
    morgan = User.objects.get(email="morgan@demo.test")
    assert set(
        SupervisionLink.objects.filter(supervisor=morgan).values_list(
            "supervisee__email", flat=True
        )
    ) == {
        "alex@demo.test",
        "sam@demo.test",
    }
    assert 25 <= clinic.clients.count() <= 35
    assert set(Episode.objects.values_list("phase", flat=True)) == {
        "establishing",
        "maintaining",
        "ending",
        "closed",
    }
    now = timezone.now()
    assert Appointment.objects.filter(starts_at__lt=now - timedelta(days=120)).exists()
    assert Appointment.objects.filter(
        starts_at__gt=now, starts_at__lt=now + timedelta(days=15)
    ).exists()
    assert not Appointment.objects.filter(starts_at__gt=now + timedelta(days=15)).exists()


@pytest.mark.django_db
def test_seeding_twice_changes_nothing():
    seed_demo()
    before = counts()
    _, created = seed_demo()
    assert not created
    assert counts() == before
