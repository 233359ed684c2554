"""Sections that other packages add to the client page (check-ins, alerts, transcripts).

Each provider is ``fn(request, client) -> dict | None`` returning ``{"template": ..., **context}``;
providers receive an already-scoped client and are responsible for auditing what they read.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["client_panels", "register_client_panel"]

_providers: list[tuple[int, Callable]] = []


def register_client_panel(order: int, provider: Callable) -> None:
    if all(p is not provider for _, p in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


def client_panels(request, client) -> list[dict]:
    panels = []
    for _, provider in _providers:
        panel = provider(request, client)
        if panel:
            panels.append(panel)
    return panels
