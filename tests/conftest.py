"""Shared fixtures: one clinic with two therapists, A's supervisor, an admin, and clients.

Names are synthetic. Client A's free text carries a canary string so access tests can
prove it never reaches someone outside A's scope.
"""

from __future__ import annotations

import io
import logging
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from rapport.accounts.models import Role, SupervisionLink, User
from rapport.clinic.models import Appointment, Client, Clinic, Episode, Goal

# These machines are shared and noisy (two cores, tests in parallel): a property test's
# speed says nothing about the code under test, so neither the per-example deadline nor
# the "data generation too slow" health check may fail it. Every other check stays on.
hypothesis_settings.register_profile(
    "rapport", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("rapport")

CANARY = "Canary-7f3a"
PASSWORD = "correct-horse-battery-staple"


def make_user(clinic, email, role, **extra) -> User:
    user = User(
        email=email, role=role, clinic=clinic, full_name=email.split("@")[0].title(), **extra
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_client(
    therapist, name="Test Client", *, goal="Feel calmer at work", with_episode=True
) -> Client:
    client = Client.objects.create(
        clinic=therapist.clinic,
        therapist=therapist,
        display_name=name,
        birth_year=1990,
        email="client@example.invalid",
    )
    if with_episode:
        episode = Episode.objects.create(
            client=client, started_on=timezone.localdate() - timedelta(days=60)
        )
        Goal.objects.create(episode=episode, text=goal)
        Appointment.objects.create(episode=episode, starts_at=timezone.now() - timedelta(days=7))
        Appointment.objects.create(episode=episode, starts_at=timezone.now() + timedelta(days=7))
    return client


@pytest.fixture
def clinic(db):
    return Clinic.objects.create(name="Test Clinic")


@pytest.fixture
def therapist_a(clinic):
    return make_user(clinic, "therapist.a@test.invalid", Role.THERAPIST)


@pytest.fixture
def therapist_b(clinic):
    return make_user(clinic, "therapist.b@test.invalid", Role.THERAPIST)


@pytest.fixture
def supervisor(clinic, therapist_a):
    user = make_user(clinic, "supervisor@test.invalid", Role.SUPERVISOR)
    SupervisionLink.objects.create(supervisor=user, supervisee=therapist_a)
    return user


@pytest.fixture
def admin_user(clinic):
    return make_user(clinic, "admin@test.invalid", Role.ADMIN)


@pytest.fixture
def client_a(therapist_a):
    return make_client(therapist_a, f"{CANARY} Client", goal=f"{CANARY} goal in own words")


@pytest.fixture
def client_b(therapist_b):
    return make_client(therapist_b, "Bea B.", goal="Sleep better")


@pytest.fixture
def login(client):
    """Log a user in on Django's test client (``client`` here is the HTTP test client)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def console_output():
    """What the configured root console handler (the one systemd's journal reads) writes
    while the test runs: records go through the project's real loggers and filters."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    output = io.StringIO()
    # Swapped by hand: setStream flushes the old stream, which pytest's output capture or
    # an xdist worker may have closed already.
    previous, handler.stream = handler.stream, output
    try:
        yield output
    finally:
        handler.stream = previous
