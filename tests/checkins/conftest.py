"""Fixtures shared by the check-in tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture
def clear_cache():
    """An empty cache before and after the test: the login throttle's counts and allauth's
    used-code markers live there. Opt-in
    (``pytestmark = pytest.mark.usefixtures("clear_cache")``) for the tablet files that
    sign in again: the rest of the folder runs as before."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def crisis_line(clinic):
    """The clinic with a crisis line, shown where a client page offers help."""
    clinic.crisis_text = "Duty line (example): 0100 000 000"
    clinic.save()
    return clinic
