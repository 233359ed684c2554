"""Extension points between packages, so clinic code does not import monitoring code.

Apps register listeners in ``AppConfig.ready()``; listeners run inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

__all__ = [
    "SessionRating",
    "attendance_changed",
    "episode_ended",
    "on_attendance_changed",
    "on_episode_ended",
    "on_response_stored",
    "on_session_rating",
    "response_stored",
    "session_rating",
]

_attendance_listeners: list[Callable] = []
_episode_ended_listeners: list[Callable] = []
_response_listeners: list[Callable] = []


@dataclass(frozen=True)
class SessionRating:
    """The client's own rating of a session, stored by another app (check-ins): a client
    who rated a session almost certainly came to it. ``label`` says how it was given, in
    words for the therapist (e.g. "after-session check-in"); never client free text."""

    answered_at: datetime
    label: str


_session_rating_finders: list[Callable[..., SessionRating | None]] = []


def on_attendance_changed(listener: Callable) -> Callable:
    if listener not in _attendance_listeners:
        _attendance_listeners.append(listener)
    return listener


def on_episode_ended(listener: Callable) -> Callable:
    if listener not in _episode_ended_listeners:
        _episode_ended_listeners.append(listener)
    return listener


def on_response_stored(listener: Callable) -> Callable:
    if listener not in _response_listeners:
        _response_listeners.append(listener)
    return listener


def on_session_rating(finder: Callable[..., SessionRating | None]) -> Callable:
    """Register ``finder(appointment) -> SessionRating | None``: clinic code asks before it
    records a session as not attended, without importing the app that stores ratings."""
    if finder not in _session_rating_finders:
        _session_rating_finders.append(finder)
    return finder


def attendance_changed(appointment) -> None:
    for listener in _attendance_listeners:
        listener(appointment)


def episode_ended(episode) -> None:
    for listener in _episode_ended_listeners:
        listener(episode)


def response_stored(response) -> None:
    for listener in _response_listeners:
        listener(response)


def session_rating(appointment) -> SessionRating | None:
    """The first rating of this session any registered finder knows of, else None."""
    for finder in _session_rating_finders:
        rating = finder(appointment)
        if rating is not None:
            return rating
    return None
