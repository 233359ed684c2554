"""Re-encrypt every encrypted column with the newest key (``rapport rotate-key``)."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, transaction

from rapport.core.fields import EncryptedTextField, keyring

__all__ = ["rotate_all"]


def _encrypted_fields():
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


@transaction.atomic
def rotate_all() -> dict[str, int]:
    """Read raw ciphertext and write it back under the first key; plaintext never leaves SQL."""
    ring = keyring()
    counts: dict[str, int] = {}
    for model, names in _encrypted_fields():
        label = model._meta.label
        counts[label] = 0
        # The ORM would decrypt on read, so raw values come through a plain cursor.
        table = model._meta.db_table
        quoted = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
        pk_col = connection.ops.quote_name(model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk_col}, {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            raw_rows = cursor.fetchall()
        for pk, *values in raw_rows:
            updates = {
                model._meta.get_field(n).column: ring.rotate(v) for n, v in zip(names, values, strict=True) if v
            }
            if not updates:
                continue
            assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in updates)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {connection.ops.quote_name(table)} SET {assignments} WHERE {pk_col} = %s",  # noqa: S608
                    [*updates.values(), pk],
                )
            counts[label] += 1
    return counts
