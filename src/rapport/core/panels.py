"""Sections that other packages add to the client page (check-ins, alerts, transcripts).

Each provider is ``fn(request, client) -> dict | None`` returning ``{"template": ..., **context}``;
providers receive an already-scoped client and are responsible for auditing what they read.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["NOTICE_ORDER_BELOW", "client_panels", "register_client_panel"]

#: Panels registered with an order below this are urgent notices (e.g. a risk answer) and
#: are shown above everything else on the client page; the rest follow the episode summary.
NOTICE_ORDER_BELOW = 5

_providers: list[tuple[int, Callable]] = []


def register_client_panel(order: int, provider: Callable) -> None:
    if all(p is not provider for _, p in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


def client_panels(request, client) -> tuple[list[dict], list[dict]]:
    """(notices, sections) for the client page, each in registration order."""
    notices: list[dict] = []
    sections: list[dict] = []
    for order, provider in _providers:
        panel = provider(request, client)
        if panel:
            (notices if order < NOTICE_ORDER_BELOW else sections).append(panel)
    return notices, sections
