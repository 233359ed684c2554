"""Keyset (cursor) paging for the API's lists: stable under new rows, and tamper-proof.

A page is the rows after a position in a total order, ``(administered_at, id)``, not the
rows after an offset: a response recorded while a script pages through a client's list
neither shifts a row it has not yet read onto a page it has (an offset would, and the row
would be read twice) nor one it has read off the next page (and a row missed). A new
response sorts after the ones it follows in time, so it is read once, on a later page.

The cursor that says where the next page starts is signed with the installation's
SECRET_KEY (``django.core.signing``) and names the client it was given for: a changed,
cut short or foreign cursor is refused with a 422 that says to start again, never
followed to a wrong place or a 500. It is opaque to the caller; its content (a date and an
id of the client's last response on the page, nothing else) is only base64, not secret.

ninja's own ``CursorPagination`` was not used: it positions on one field plus an offset
among equal values (so it needs a unique first field or counts rows again), wraps the
list in an envelope (a change of v1's shape) and does not sign its cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils.dateparse import parse_datetime

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "BadCursor",
    "Position",
    "cursor_for",
    "position_from",
]

#: Responses per page when the caller does not say (docs/api.md, "Paging").
DEFAULT_LIMIT = 100
#: The most a caller may ask for in one page: about 125 KB of JSON, a fraction of a second.
MAX_LIMIT = 500

_SALT = "rapport.api.responses-cursor"


class BadCursor(ValueError):
    """A cursor this installation did not give out for this list (or no longer can read)."""


@dataclass(frozen=True)
class Position:
    """The last row of a page: the next page starts after it in (administered_at, id)."""

    administered_at: datetime
    id: int


def cursor_for(client_id: int, position: Position) -> str:
    """The opaque, signed cursor for the page after ``position`` of client ``client_id``."""
    payload = {"c": client_id, "a": position.administered_at.isoformat(), "i": position.id}
    return signing.Signer(salt=_SALT).sign_object(payload, compress=False)


def position_from(cursor: str, *, client_id: int) -> Position:
    """Where ``cursor`` says the page starts; ``BadCursor`` for anything else.

    Refused: a cursor whose signature does not match (changed or cut short, or made before
    the installation's SECRET_KEY changed), or one given for another client's list."""
    try:
        payload = signing.Signer(salt=_SALT).unsign_object(cursor)
    except (signing.BadSignature, ValueError, UnicodeError) as exc:
        raise BadCursor(
            "This cursor is not one this server gave out (changed or cut short, or from "
            "before a change of the server's secret key). Start again from the first page, "
            "without a cursor."
        ) from exc
    if not isinstance(payload, dict) or payload.get("c") != client_id:
        raise BadCursor(
            "This cursor was given for another client's list. Use the cursor that came with "
            "this client's previous page, or start again without one."
        )
    when = parse_datetime(str(payload.get("a", "")))
    last_id = payload.get("i")
    if when is None or when.tzinfo is None or not isinstance(last_id, int):
        raise BadCursor("This cursor cannot be read. Start again from the first page.")
    return Position(administered_at=when, id=last_id)
