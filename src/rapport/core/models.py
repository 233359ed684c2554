"""What the installation as a whole keeps in its database (not any clinic's data)."""

from __future__ import annotations

from django.db import models

__all__ = ["KeyFingerprint"]


class KeyFingerprint(models.Model):
    """A keyed digest that tells whether a configured key is the one this database was set
    up with (``rapport.core.operations.secret_key_mismatch``): an HMAC of a fixed label
    under the key, never the key itself, so the database (or a backup of it) gives nothing
    away about the key. One row per key name (``secret-key``)."""

    name = models.CharField(max_length=40, primary_key=True)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name
