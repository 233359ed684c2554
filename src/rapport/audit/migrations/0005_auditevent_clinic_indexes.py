"""The admin page's indexes, made after 0004 filled the column: building an index once
over the filled rows is cheaper than updating it row by row during the fill."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_backfill_clinic_id"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["clinic_id", "at"], name="audit_clinic_at"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["clinic_id", "client_id", "at"], name="audit_clinic_client_at"
            ),
        ),
    ]
