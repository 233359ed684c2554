"""Re-encrypt every encrypted column with the newest key (``rapport rotate-key``).

All or nothing: a value that no configured key can read (an old key left out of
``RAPPORT_ENCRYPTION_KEYS`` too early) stops the rotation with :class:`RotationError`
and nothing is rewritten.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.db import connection, transaction

from rapport.cli import CommandError
from rapport.core.fields import EncryptedTextField, keyring
from rapport.lib.crypto import CryptoError

__all__ = ["RotationError", "rotate_all"]


class RotationError(CommandError):
    """A stored value cannot be re-encrypted; the rotation was rolled back.

    A :class:`rapport.cli.CommandError`, so ``rapport rotate-key`` prints it as one line
    and exits with status 2.
    """


def _encrypted_columns():
    for model in apps.get_models():
        columns = [
            field.column
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if columns:
            yield model, columns


@transaction.atomic
def rotate_all() -> dict[str, int]:
    """Rewrite each encrypted value under the first key. Values are read raw (the ORM would
    decrypt them) and never leave this function as plaintext."""
    ring = keyring()
    quote = connection.ops.quote_name
    counts: dict[str, int] = {}
    for model, columns in _encrypted_columns():
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        selected = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {selected} FROM {table}")  # noqa: S608 - names quoted
            rows = cursor.fetchall()
        counts[model._meta.label] = 0
        for row_pk, *values in rows:
            updates = {}
            for column, value in zip(columns, values, strict=True):
                if not value:
                    continue
                try:
                    updates[column] = ring.rotate(value)
                except (InvalidToken, CryptoError):
                    # Names the table, column and row id only: never the value.
                    raise RotationError(
                        f"a value in table {model._meta.db_table} (column {column}, row "
                        f"{row_pk}) cannot be decrypted with any configured key: keep the "
                        "old key in the list (RAPPORT_ENCRYPTION_KEYS or the key file, after "
                        "the new one) until rotate-key has finished. Nothing was re-encrypted."
                    ) from None
            if not updates:
                continue
            assignments = ", ".join(f"{quote(c)} = %s" for c in updates)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                    [*updates.values(), row_pk],
                )
            counts[model._meta.label] += 1
    return counts
