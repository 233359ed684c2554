"""Extension points between packages, so clinic code does not import monitoring code.

Apps register listeners in ``AppConfig.ready()``; listeners run inside the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

__all__ = [
    "AccountChange",
    "CountedResponses",
    "SessionRating",
    "account_access_changed",
    "attendance_changed",
    "clients_with_open_risk_notices",
    "clinic_settings_notes",
    "counted_responses",
    "episode_ended",
    "episode_phase_changed",
    "on_account_access_changed",
    "on_attendance_changed",
    "on_clinic_settings_note",
    "on_counted_responses",
    "on_episode_ended",
    "on_episode_phase_changed",
    "on_open_risk_notices",
    "on_response_stored",
    "on_session_rating",
    "response_stored",
    "session_rating",
]

_account_listeners: list[Callable] = []
_attendance_listeners: list[Callable] = []
_episode_ended_listeners: list[Callable] = []
_episode_phase_listeners: list[Callable] = []
_response_listeners: list[Callable] = []


@dataclass(frozen=True)
class SessionRating:
    """The client's own rating of a session, stored by another app (check-ins): a client
    who rated a session almost certainly came to it. ``label`` says how it was given, in
    words for the therapist (e.g. "after-session check-in"); never client free text."""

    answered_at: datetime
    label: str


_session_rating_finders: list[Callable[..., SessionRating | None]] = []


@dataclass(frozen=True)
class CountedResponses:
    """Which of a client's stored answers monitoring counts, as monitoring decides it, for
    pages of other apps that show the same scores (the check-ins panel's chart and table)
    without importing monitoring or copying its placement rules.

    ``instruments``: the stored instrument ids monitoring counts answers of (every
    spelling); for any other instrument the caller keeps its own rule. ``counted``: the
    answers (pks) monitoring counts, one per instrument and session of each episode.
    ``replaced``: the scored answers monitoring placed at a session where another answer of
    the same instrument counts instead. An answer in neither set is one monitoring does not
    place at all (no score, or given outside every episode)."""

    instruments: frozenset[str]
    counted: frozenset[int]
    replaced: frozenset[int]
    #: Where monitoring placed each counted answer: pk -> (episode pk, session number), so
    #: the panel's chart numbers sessions as monitoring's chart does, gaps included. A
    #: provider that does not say leaves it empty: the panel then numbers answers 1, 2, 3.
    placed_at: Mapping[int, tuple[int, int]] = field(default_factory=dict)


_counted_response_providers: list[Callable[..., CountedResponses]] = []


#: What the clinic settings page says about settings other apps keep: its view (accounts)
#: imports none of those apps.
_clinic_settings_note_providers: list[Callable[..., str]] = []


#: Risk notices other apps keep apart from stored risk answers (check-ins: a risk answer sent
#: on a link that could no longer be used, of which nothing was stored): the caseload and
#: the monitoring panel must see them without importing those apps' models.
_open_risk_notice_providers: list[Callable[..., set[int]]] = []


class AccountChange(StrEnum):
    """A change to a staff account that ends what was granted on its old terms: access
    given before a password was set anew, before the account was disabled, or for the role
    it had. Accounts code says which; other apps (the API's tokens) decide what ends."""

    PASSWORD = "password-set"  # noqa: S105 - names a change, holds no password
    DEACTIVATED = "deactivated"
    # A token still alive here was made before the account was disabled (before tokens
    # ended with a deactivation): making the account active again must not revive it.
    REACTIVATED = "reactivated"
    ROLE = "role-changed"
    # Second factors removed by an operator (`rapport reset-mfa`, a lost phone): whoever
    # holds the phone may hold what the account granted through it.
    MFA_RESET = "mfa-reset"


def on_account_access_changed(listener: Callable) -> Callable:
    """Register ``listener(user, *, change: AccountChange, actor, request)``: accounts code
    tells it of the change without importing the apps that grant access of their own."""
    if listener not in _account_listeners:
        _account_listeners.append(listener)
    return listener


def on_attendance_changed(listener: Callable) -> Callable:
    if listener not in _attendance_listeners:
        _attendance_listeners.append(listener)
    return listener


def on_episode_ended(listener: Callable) -> Callable:
    if listener not in _episode_ended_listeners:
        _episode_ended_listeners.append(listener)
    return listener


def on_episode_phase_changed(listener: Callable) -> Callable:
    """Register ``listener(episode)``, told when an open episode's phase changes (to
    "Ending", say: signals that depend on the phase are recomputed then, not an hour later)."""
    if listener not in _episode_phase_listeners:
        _episode_phase_listeners.append(listener)
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


def on_counted_responses(provider: Callable[..., CountedResponses]) -> Callable:
    """Register ``provider(client) -> CountedResponses`` (monitoring does): check-ins code
    asks it which answers count instead of deriving the rule again."""
    if provider not in _counted_response_providers:
        _counted_response_providers.append(provider)
    return provider


def on_clinic_settings_note(provider: Callable[..., str]) -> Callable:
    """Register ``provider(clinic) -> str`` (transcripts does: its retention rule at work):
    what the clinic settings page tells the clinic's admin about a setting the provider's
    app keeps, "" for nothing. The admin sees no client data (DESIGN §5): counts and dates
    of the clinic as a whole, never a client's."""
    if provider not in _clinic_settings_note_providers:
        _clinic_settings_note_providers.append(provider)
    return provider


def on_open_risk_notices(provider: Callable[..., set[int]]) -> Callable:
    """Register ``provider(clients) -> set[int]`` (check-ins does): of ``clients`` (a
    queryset or list of already-scoped clients), the ids of those with a risk notice of the
    provider's app nobody has followed up yet, in one query whatever their number."""
    if provider not in _open_risk_notice_providers:
        _open_risk_notice_providers.append(provider)
    return provider


def account_access_changed(user, *, change: AccountChange, actor, request=None) -> None:
    """``user``'s account changed (``actor`` did it; None: the command line)."""
    for listener in _account_listeners:
        listener(user, change=change, actor=actor, request=request)


def attendance_changed(appointment) -> None:
    for listener in _attendance_listeners:
        listener(appointment)


def episode_ended(episode) -> None:
    for listener in _episode_ended_listeners:
        listener(episode)


def episode_phase_changed(episode) -> None:
    for listener in _episode_phase_listeners:
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


def counted_responses(client) -> CountedResponses | None:
    """What the first registered provider says about this already-scoped client's answers,
    or None when no app provides it (monitoring not installed): the caller then falls back
    on its own rule."""
    for provider in _counted_response_providers:
        return provider(client)
    return None


def clients_with_open_risk_notices(clients) -> set[int]:
    """Ids of ``clients`` (already scoped: a queryset or a list) with a risk notice some
    registered provider has open, besides stored risk answers (one query per provider)."""
    found: set[int] = set()
    for provider in _open_risk_notice_providers:
        found |= set(provider(clients))
    return found


def clinic_settings_notes(clinic) -> list[str]:
    """What every registered provider says about ``clinic``'s settings, in the order they
    registered, leaving out those with nothing to say."""
    notes = (provider(clinic) for provider in _clinic_settings_note_providers)
    return [str(note) for note in notes if note]
