"""Personal access tokens: made once, shown once, stored as SHA-256 (pure, no Django)."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "PREFIX", "hash_token", "new_token", "shown_prefix"]

# A recognisable prefix lets secret scanners find leaked tokens in code and logs.
PREFIX = "rpt_"

#: A token's life unless its creator asks for another: a quarter, long enough for a study's
#: export script, short enough that a forgotten token dies on its own.
DEFAULT_DAYS = 90
#: The longest life a token may be given: a token is a password that never asks for MFA.
MAX_DAYS = 365


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def shown_prefix(token: str) -> str:
    """The first characters, kept in the clear so a person can tell their tokens apart
    (``PREFIX`` and 8 random characters, 48 bits): not enough to use the token."""
    return token[:12]
