"""Check-in link tokens: unguessable, and stored only as a hash (pure, no Django).

A token is ``secrets.token_urlsafe(32)`` (256 bits). The database keeps its SHA-256 only, so
a copy of the database cannot be turned back into working links. SHA-256 without a salt is
enough here because the token itself is long and random: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import re
import secrets

__all__ = ["hash_token", "looks_like_token", "new_token"]

TOKEN_BYTES = 32
# token_urlsafe(32) gives 43 characters of the URL-safe base64 alphabet.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check: anything else is refused without a database query."""
    return bool(_TOKEN_SHAPE.match(token or ""))
