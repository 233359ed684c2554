"""Referrals keep only the reasons in favour of the colleague (``[text, True]``): an unmet
focus area ("Does not list trauma") or a C-NIP leaning the colleague's style misses is more
of the client than the colleague needs before accepting (docs/matching.md, "What the
colleague sees before accepting"). Rows stored before are trimmed the same way.

Going back keeps the trimmed rows as they are: the dropped reasons were never needed and
are not restored (the referring therapist ranks afresh on the find page)."""

from django.db import migrations


def keep_reasons_in_favour(apps, schema_editor):
    Referral = apps.get_model("matching", "Referral")
    for referral in Referral.objects.only("pk", "reasons").iterator():
        kept = [
            [row[0], True]
            for row in referral.reasons or []
            if isinstance(row, list) and len(row) == 2 and row[1] is True
        ]
        if kept != referral.reasons:
            Referral.objects.filter(pk=referral.pk).update(reasons=kept)


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [
        migrations.RunPython(keep_reasons_in_favour, migrations.RunPython.noop, elidable=True)
    ]
