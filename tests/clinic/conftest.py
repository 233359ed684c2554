"""Fixtures shared by the clinic's tests: two more clients of therapist A for the booking
tests, and client A's episode with an empty diary on a fixed clock for the appointment and
ending wording tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone
from tests.conftest import make_client


@pytest.fixture
def cleo(therapist_a):
    return make_client(therapist_a, "Cleo S.")


@pytest.fixture
def gus(therapist_a):
    return make_client(therapist_a, "Gus G.")


FIXED = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # a Wednesday morning, London = UTC


@pytest.fixture
def episode(client_a, monkeypatch):
    """Client A's episode, begun on 2 Nov 2026, with no appointments, the clock at FIXED
    (DESIGN §3: time-dependent rules are tested with a fixed clock). A test file may
    define its own ``episode`` over it."""
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    episode = client_a.episodes.get()
    episode.started_on = date(2026, 11, 2)
    episode.save()
    episode.appointments.all().delete()
    return episode
