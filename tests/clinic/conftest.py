"""Fixtures shared by the clinic's booking tests: two more clients of therapist A."""

from __future__ import annotations

import pytest
from tests.conftest import make_client


@pytest.fixture
def cleo(therapist_a):
    return make_client(therapist_a, "Cleo S.")


@pytest.fixture
def gus(therapist_a):
    return make_client(therapist_a, "Gus G.")
