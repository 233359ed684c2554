"""Sections that other packages add to the client page (check-ins, alerts, transcripts).

Each provider is ``fn(request, client) -> dict | None`` returning ``{"template": ..., **context}``;
providers receive an already-scoped client and are responsible for auditing what they read.

The providers are built inside one *page memo* (:func:`page_memo`): what two of them read
alike (the client's answers, monitoring's series of every episode) is read once per page
view through :func:`memoized`, and each still audits its own read. Outside a page memo
(another page, a command, a test calling a selector) :func:`memoized` computes every time,
so nothing read there can be stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils import timezone

__all__ = [
    "LATEST_ROWS",
    "NOTICE_ORDER_BELOW",
    "Latest",
    "client_panels",
    "memo_active",
    "memoized",
    "page_memo",
    "page_now",
    "register_client_panel",
    "latest",
]

#: Panels registered with an order below this are urgent notices (e.g. a risk answer) and
#: are shown above everything else on the client page; the rest follow the episode summary.
NOTICE_ORDER_BELOW = 5

#: The query parameter that asks a list on the client page for every row (``?all=<list>``):
#: long lists show their latest rows, with a link to see them all.
SHOW_ALL_PARAM = "all"

#: How many rows a long list on the client page shows (its latest), with a link to all.
#: A list of up to ``_SHOWN_WHOLE_UP_TO`` rows (a usual course of therapy) is shown whole:
#: hiding a few rows behind a link saves little and costs the reader a click.
LATEST_ROWS = 10
_SHOWN_WHOLE_UP_TO = 15

_providers: list[tuple[int, Callable]] = []

_T = TypeVar("_T")

_NOW = "now"
_memo: ContextVar[dict | None] = ContextVar("rapport_client_page_memo", default=None)


def register_client_panel(order: int, provider: Callable) -> None:
    if all(p is not provider for _, p in _providers):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


@contextmanager
def page_memo(now: dt.datetime | None = None) -> Iterator[dict]:
    """One page view's memo: reads made through :func:`memoized` inside it happen once,
    and :func:`page_now` is one moment for all of them. Nested, the outer memo is kept."""
    if _memo.get() is not None:
        yield _memo.get()  # type: ignore[misc]
        return
    memo: dict = {_NOW: now or timezone.now()}
    token = _memo.set(memo)
    try:
        yield memo
    finally:
        _memo.reset(token)


def memoized(key: Hashable, compute: Callable[[], _T]) -> _T:
    """``compute()``, once per page memo for ``key`` (every time outside one). The key
    names what is read and whose (a client's pk), never something the user typed."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def memo_active() -> bool:
    """Whether a page memo is under way (the client page is being built)."""
    return _memo.get() is not None


def page_now() -> dt.datetime:
    """The moment of the page view under way (one for all its panels), else now."""
    memo = _memo.get()
    return memo[_NOW] if memo is not None else timezone.now()


@dataclass(frozen=True)
class Latest(Generic[_T]):
    """A list as the client page shows it: ``rows`` (its latest, or every one when asked
    for or short), ``total`` in all. ``more_url`` asks for every row (None when all are
    shown); ``fewer_url`` goes back to the latest only (None unless all were asked for)."""

    rows: Sequence[_T]
    total: int
    more_url: str | None = None
    fewer_url: str | None = None

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def limit(self) -> int:
        return LATEST_ROWS


def _url(request, names: list[str], anchor: str) -> str:
    query = request.GET.copy()
    query.setlist(SHOW_ALL_PARAM, names)
    encoded = query.urlencode()
    return f"{request.path}{'?' + encoded if encoded else ''}#{anchor}"


def latest(
    request, rows: Sequence[_T], name: str, *, anchor: str, newest_first: bool
) -> Latest[_T]:
    """``rows`` bounded to the latest :data:`LATEST_ROWS` (the first ones when
    ``newest_first``, else the last ones, kept in their order), unless the page was asked
    for all of list ``name`` (``?all=name``, with the lists already opened kept open). The
    links go back to ``anchor`` (the list's heading id) on the page."""
    total = len(rows)
    if request is None or total <= _SHOWN_WHOLE_UP_TO:
        return Latest(rows, total)
    asked = request.GET.getlist(SHOW_ALL_PARAM)
    if name in asked:
        fewer = [n for n in asked if n != name]
        return Latest(rows, total, fewer_url=_url(request, fewer, anchor))
    shown = rows[:LATEST_ROWS] if newest_first else rows[-LATEST_ROWS:]
    return Latest(shown, total, more_url=_url(request, [*asked, name], anchor))


def client_panels(request, client) -> tuple[list[dict], list[dict]]:
    """(notices, sections) for the client page, each in registration order."""
    notices: list[dict] = []
    sections: list[dict] = []
    with page_memo():
        for order, provider in _providers:
            panel = provider(request, client)
            if panel:
                (notices if order < NOTICE_ORDER_BELOW else sections).append(panel)
    return notices, sections
