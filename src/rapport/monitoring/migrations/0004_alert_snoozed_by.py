"""Who snoozed an alert, and when, kept on the alert (until now read from the audit log).

The snoozes in force are filled in from the audit log, which ``alert_snooze`` has always
written ("alert:<pk>:snoozed", with the account and the time): the latest such row of each
snoozed alert. One whose row names no account (the command line, an account since deleted)
keeps ``snoozed_by`` empty and reads "Snoozed until …" without a name.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BATCH = 500


def fill_from_the_audit_log(apps, schema_editor):
    Alert = apps.get_model("monitoring", "Alert")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    snoozed = list(
        Alert.objects.filter(status="snoozed", snoozed_at__isnull=True).values_list(
            "pk", "client_id"
        )
    )
    for start in range(0, len(snoozed), BATCH):
        batch = dict(snoozed[start : start + BATCH])
        targets = {f"alert:{pk}:snoozed": pk for pk in batch}
        latest = {}
        events = (
            AuditEvent.objects.filter(client_id__in=set(batch.values()), target__in=list(targets))
            .order_by("at", "pk")
            .values_list("target", "actor_id", "at")
        )
        for target, actor_id, at in events:  # oldest first: the last one is in force
            latest[targets[target]] = (actor_id, at)
        for pk, (actor_id, at) in latest.items():
            Alert.objects.filter(pk=pk).update(snoozed_by_id=actor_id, snoozed_at=at)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_dropout_calibration"),
        ("audit", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="alert",
            name="snoozed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="alert",
            name="snoozed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        # Backwards the columns go, so there is nothing to undo.
        migrations.RunPython(fill_from_the_audit_log, migrations.RunPython.noop),
    ]
