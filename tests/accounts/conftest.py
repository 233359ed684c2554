"""Fixtures shared by the account tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Login throttle counts and allauth's used-code markers live in the cache: each test
    starts and ends without another's."""
    cache.clear()
    yield
    cache.clear()
