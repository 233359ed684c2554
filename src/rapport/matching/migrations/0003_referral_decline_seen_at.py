"""A declined referral records when the referrer first saw the decline
(``Referral.decline_seen_at``): until then their caseload says a colleague declined.

Declines answered before this migration count as seen (at their answer): the referrer
could read them on the client page all along, and a caseload suddenly listing old declines
would say nothing new. Going back drops the column."""

from django.db import migrations, models
from django.db.models import F


def old_declines_seen(apps, schema_editor):
    Referral = apps.get_model("matching", "Referral")
    Referral.objects.filter(status="declined", decline_seen_at__isnull=True).update(
        decline_seen_at=F("responded_at")
    )


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_referral_reasons_in_favour_only")]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="decline_seen_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(old_declines_seen, migrations.RunPython.noop, elidable=True),
    ]
