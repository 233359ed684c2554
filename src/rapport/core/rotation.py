"""Re-encrypt every encrypted column with the newest key (``rapport rotate-key``)."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, transaction

from rapport.core.fields import EncryptedTextField, keyring

__all__ = ["rotate_all"]


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
            updates = {c: ring.rotate(v) for c, v in zip(columns, values, strict=True) if v}
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
