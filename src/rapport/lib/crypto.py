"""Encryption of free-text client data at rest, with key rotation.

Framework-free wrapper around ``cryptography``'s MultiFernet: the first key encrypts,
every key decrypts, so a clinic can add a new key, re-encrypt (``rapport rotate-key``)
and only then retire the old one. Fernet gives authenticated encryption (AES-128-CBC +
HMAC-SHA256), so a tampered value fails loudly instead of decrypting to garbage.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["CryptoError", "KeyRing", "generate_key", "read_key_file"]

#: Prefix marking a stored value as ciphertext (and its format version).
PREFIX = "enc1:"


class CryptoError(Exception):
    """Keys are missing or malformed, or a stored value cannot be decrypted."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def read_key_file(path: str | Path) -> list[str]:
    """One key per line, newest first; blank lines and # comments ignored."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except OSError as error:
        raise CryptoError(f"cannot read key file {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CryptoError(f"key file {path} is not a text file of keys") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class KeyRing:
    """Encrypts with the first key; decrypts with any."""

    def __init__(self, keys: Sequence[str]):
        if not keys:
            raise CryptoError("no encryption key configured")
        try:
            self._fernets = [Fernet(key.encode("ascii")) for key in keys]
        except (ValueError, UnicodeEncodeError):
            raise CryptoError(
                "an encryption key is malformed (expected 32 url-safe base64-encoded bytes; "
                "create one with `rapport keygen`)"
            ) from None
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        return PREFIX + self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            raise CryptoError("value is not encrypted with a known format")
        try:
            return self._multi.decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise CryptoError("value cannot be decrypted with any configured key") from None

    def rotate(self, stored: str) -> str:
        """Re-encrypt with the current (first) key."""
        if not stored.startswith(PREFIX):
            raise CryptoError("value is not encrypted with a known format")
        token = self._multi.rotate(stored[len(PREFIX) :].encode("ascii"))
        return PREFIX + token.decode("ascii")

    @staticmethod
    def is_encrypted(stored: str) -> bool:
        return stored.startswith(PREFIX)
