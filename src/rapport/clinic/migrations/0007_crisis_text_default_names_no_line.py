# The shipped crisis text asked a client at risk to "tell your therapist today", though the
# therapist may not read the answers before the next session. Clinics still holding exactly
# that text (never edited by their admin) get the new default; any text a clinic wrote stays.
# The texts are written out here, not imported: a migration keeps the values of its day.

from django.db import migrations, models

OLD_DEFAULT = (
    "If you are thinking about harming yourself or feel unsafe, please tell your therapist "
    "today. If you are in immediate danger, call your local emergency number now."
)
NEW_DEFAULT = (
    "If you are struggling to keep yourself safe, contact your GP or a crisis line today, "
    "or call your local emergency number if you are in danger now."
)


def _replace(apps, old: str, new: str) -> None:
    Clinic = apps.get_model("clinic", "Clinic")
    Clinic.objects.filter(crisis_text=old).update(crisis_text=new)


def forwards(apps, schema_editor):
    _replace(apps, OLD_DEFAULT, NEW_DEFAULT)


def backwards(apps, schema_editor):
    _replace(apps, NEW_DEFAULT, OLD_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0006_appointment_cancelled_by_ending"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clinic",
            name="crisis_text",
            field=models.TextField(
                default=NEW_DEFAULT,
                verbose_name="crisis text shown to clients",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
