"""Extension points between packages, so clinic code does not import monitoring code.

Apps register listeners in ``AppConfig.ready()``; listeners run inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = [
    "attendance_changed",
    "episode_ended",
    "on_attendance_changed",
    "on_episode_ended",
    "on_response_stored",
    "response_stored",
]

_attendance_listeners: list[Callable] = []
_episode_ended_listeners: list[Callable] = []
_response_listeners: list[Callable] = []


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


def attendance_changed(appointment) -> None:
    for listener in _attendance_listeners:
        listener(appointment)


def episode_ended(episode) -> None:
    for listener in _episode_ended_listeners:
        listener(episode)


def response_stored(response) -> None:
    for listener in _response_listeners:
        listener(response)
