"""Model fields that keep free-text client data encrypted at rest (DESIGN §5)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.db import models

from rapport.lib.crypto import KeyRing

__all__ = ["EncryptedTextField", "keyring"]


@lru_cache(maxsize=1)
def _keyring_for(keys: tuple[str, ...]) -> KeyRing:
    return KeyRing(keys)


def keyring() -> KeyRing:
    return _keyring_for(tuple(settings.ENCRYPTION_KEYS))


class EncryptedTextField(models.TextField):
    """A text column stored as Fernet ciphertext; reads give back the plaintext.

    Ciphertext is randomised, so these columns cannot be searched or compared in SQL:
    keep anything you need to filter on in a separate, non-identifying column.
    """

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return keyring().encrypt(str(value))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return keyring().decrypt(value)
