"""A session of fewer than 10 therapist utterances gets no quality estimate ("Not rated",
quality.unrated_estimate_note); analyses stored before that rule kept the number and its
reasons. The pages hide such a number (selectors.quality_unrated_note), but it was still
stored as if rated, for any reader of the row. This clears it and its reasons, as a new
analysis leaves them. ``rapport reanalyse-transcripts`` does the same for a transcript that
keeps its text (the rules digest covers quality.py); one whose text was deleted cannot be
analysed again, and only this reaches it. Decided from the stored count alone, so nothing
encrypted is read. Reversed, nothing comes back: a number that should not have been
stored is not restored.
"""

from django.db import migrations

# quality.MIN_THERAPIST_UTTERANCES when this rule came in, written out: a migration must do
# the same thing whatever later code says.
MIN_THERAPIST_UTTERANCES = 10


def clear_short_session_estimates(apps, schema_editor):
    Transcript = apps.get_model("transcripts", "Transcript")
    rated = Transcript.objects.filter(quality_estimate__isnull=False).order_by("pk")
    short = []
    for pk, metrics in rated.values_list("pk", "metrics").iterator():
        count = ((metrics or {}).get("counts") or {}).get("therapist_utterances")
        # Without the count (an analysis older than counts) the estimate stays, as the
        # pages keep showing it.
        if count is not None and float(count) < MIN_THERAPIST_UTTERANCES:
            short.append(pk)
    for start in range(0, len(short), 500):
        Transcript.objects.filter(pk__in=short[start : start + 500]).update(
            quality_estimate=None, quality_reasons=[]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("transcripts", "0004_one_copy_per_session"),
    ]

    operations = [
        migrations.RunPython(clear_short_session_estimates, migrations.RunPython.noop),
    ]
