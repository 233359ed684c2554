"""Episode.referral_source is free text about the client ("court order, probation officer
..."), so it is encrypted at rest like the rest (DESIGN §5): the column becomes text and
the values already stored are encrypted in place (decrypted again if migrated back)."""

from django.db import migrations

import rapport.core.fields

_TABLE = "clinic_episode"


def _rewrite(schema_editor, change) -> None:
    quote = schema_editor.connection.ops.quote_name
    table, column = quote(_TABLE), quote("referral_source")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608 - names quoted
        rows = cursor.fetchall()
        for pk, value in rows:
            cursor.execute(
                f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                [change(value or ""), pk],
            )


def encrypt_stored(apps, schema_editor) -> None:
    _rewrite(schema_editor, rapport.core.fields.keyring().encrypt)


def decrypt_stored(apps, schema_editor) -> None:
    _rewrite(schema_editor, rapport.core.fields.keyring().decrypt)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="episode",
            name="referral_source",
            field=rapport.core.fields.EncryptedTextField(
                blank=True, default="", verbose_name="referral source"
            ),
        ),
        migrations.RunPython(encrypt_stored, decrypt_stored),
    ]
