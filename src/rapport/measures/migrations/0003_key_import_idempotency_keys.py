"""Key the idempotency keys of imported responses with the server's secret.

They were a plain SHA-256 of the row, whose answers include the client's free-text
comment: anyone reading the database could confirm a guessed comment. Each stored digest
is replaced by its keyed digest (rapport.checkins.services.keyed_digest), which the import
computes from now on, so re-importing an old file still adds nothing.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import migrations

PREFIX = "import:"


def _keyed(digest: str) -> str:
    # As rapport.checkins.services.keyed_digest computes it (copied: a migration must not
    # change when that code does).
    secret = f"rapport.checkins.import:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, digest.encode("ascii"), hashlib.sha256).hexdigest()


def key_stored_digests(apps, schema_editor):
    Response = apps.get_model("measures", "Response")
    rows = list(
        Response.objects.filter(idempotency_key__startswith=PREFIX).only("pk", "idempotency_key")
    )
    for row in rows:
        row.idempotency_key = PREFIX + _keyed(row.idempotency_key[len(PREFIX) :])
    Response.objects.bulk_update(rows, ["idempotency_key"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("measures", "0002_response_review_and_clinic_wording")]

    operations = [
        # Not reversible: the plain digests cannot be recovered from the keyed ones, and need
        # not be (an older version would refuse an old file again as a clash, not add it).
        migrations.RunPython(key_stored_digests, migrations.RunPython.noop),
    ]
