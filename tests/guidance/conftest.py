"""Fixtures shared by the guidance tests."""

from __future__ import annotations

import pytest

from rapport.guidance.models import Strategy
from rapport.guidance.services import strategy_create


@pytest.fixture
def second_safety_step(admin_user, clinic) -> Strategy:
    """A clinic's own safety step for reliably-worse and not-on-track alerts, for every
    client: with it, the library's safety step is no longer the last one of its alerts, so
    it may be disabled or narrowed (with the admin's confirmation)."""
    return strategy_create(
        actor=admin_user,
        clinic=clinic,
        title="Go through the crisis plan",
        text="Ask about thoughts of self-harm and go through who the client can call tonight.",
        sources="Our clinic's risk policy (2024).",
        kinds=["reliable_deterioration", "not_on_track"],
        safety=True,
    )
