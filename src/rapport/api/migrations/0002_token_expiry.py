"""Every API token expires.

Tokens made before this migration never expired. Each is given an expiry 90 days after the
migration runs (the default life of a new token), so a script that uses one keeps working
through the upgrade and its owner has time to ask for a new token (docs/api.md,
"Upgrading"). Revoked tokens get the same date: they stay refused, whatever it says.
"""

from datetime import timedelta

from django.db import migrations, models
from django.utils import timezone

#: The days an existing token has left after the upgrade: ``tokens.DEFAULT_DAYS``, copied
#: because a migration must not change when the service's default does.
DAYS_LEFT_AFTER_UPGRADE = 90


def give_existing_tokens_an_expiry(apps, schema_editor):
    ApiToken = apps.get_model("api", "ApiToken")
    expires_at = timezone.now() + timedelta(days=DAYS_LEFT_AFTER_UPGRADE)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires_at)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(give_existing_tokens_an_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
