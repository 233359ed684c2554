"""Personal access tokens: made once, shown once, stored as SHA-256 (pure, no Django)."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["PREFIX", "hash_token", "new_token"]

# A recognisable prefix lets secret scanners find leaked tokens in code and logs.
PREFIX = "rpt_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
