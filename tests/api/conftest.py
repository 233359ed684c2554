"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """The API's rate limits count in the cache: each test starts and ends without
    another's calls or refused tokens."""
    cache.clear()
    yield
    cache.clear()
