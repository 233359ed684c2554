"""Fixtures for monitoring's database tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def hooks_off(monkeypatch):
    """Store responses without running the listeners, so a test drives the recompute itself
    on its fixed clock (the hooks use the wall clock)."""
    from rapport.core import hooks

    monkeypatch.setattr(hooks, "_response_listeners", [])
    monkeypatch.setattr(hooks, "_attendance_listeners", [])
