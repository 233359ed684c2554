"""Fixtures shared by the account tests."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Login throttle counts and allauth's used-code markers live in the cache: each test
    starts and ends without another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def with_mfa(therapist_a):
    """``therapist_a`` with an authenticator app and recovery codes set up."""
    Authenticator.objects.create(
        user=therapist_a, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    Authenticator.objects.create(
        user=therapist_a, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "y"}
    )
    return therapist_a
