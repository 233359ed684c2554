from django.db import migrations, models


def keep_one_digest_per_session(apps, schema_editor):
    """Two simultaneous uploads of one file on PostgreSQL may already have stored it twice.
    The constraint (0004) could not be built over them, and deleting either would lose a record
    someone may have worked on (confirmed roles, an analysis). So every copy is kept and only
    the later copies lose their digest: they stop counting as "this file" for future uploads
    and can be deleted by hand from the report like any transcript."""
    Transcript = apps.get_model("transcripts", "Transcript")
    live = Transcript.objects.filter(text_deleted_at__isnull=True).exclude(digest="")
    duplicated = (
        live.values("appointment_id", "digest")
        .annotate(copies=models.Count("pk"))
        .filter(copies__gt=1)
        .order_by()
    )
    for group in list(duplicated):  # read before writing to the same table
        copies = live.filter(appointment_id=group["appointment_id"], digest=group["digest"])
        first = copies.order_by("pk").values_list("pk", flat=True).first()
        copies.exclude(pk=first).update(digest="")


class Migration(migrations.Migration):
    # Its own migration, so its own transaction: on PostgreSQL the index of 0004 cannot be
    # built in a transaction that has just updated rows of the table.
    dependencies = [
        ("transcripts", "0002_upload_digest"),
    ]

    operations = [
        migrations.RunPython(keep_one_digest_per_session, migrations.RunPython.noop),
    ]
