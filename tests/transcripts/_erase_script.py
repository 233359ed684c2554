"""Run by test_erase.py in its own process, on a file SQLite database in RAPPORT_DATA_DIR.

Uploads and analyses a transcript, prints its stored ciphertext and whether the database
files hold it, purges the text with the retention rule, and prints the same check again,
with the connection still open (so the write-ahead log is still there to be scanned).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.accounts.models import Role  # noqa: E402
from rapport.clinic.models import Clinic  # noqa: E402
from rapport.transcripts import services  # noqa: E402
from rapport.transcripts.models import Transcript  # noqa: E402
from rapport.transcripts.parsing import parse_transcript  # noqa: E402
from tests.conftest import make_client, make_user  # noqa: E402
from tests.transcripts.fixtures_db import RuleCoder, fixture_bytes  # noqa: E402


def files_holding(needle: bytes) -> list[str]:
    """Which of the database's files contain ``needle``."""
    db = Path(connection.settings_dict["NAME"])
    candidates = [db, db.with_name(db.name + "-wal")]
    return [p.name for p in candidates if p.exists() and needle in p.read_bytes()]


def main() -> None:
    call_command("migrate", verbosity=0)
    clinic = Clinic.objects.create(name="Erase Clinic", transcript_retention_days=30)
    therapist = make_user(clinic, "therapist@example.invalid", Role.THERAPIST)
    client = make_client(therapist)
    appointment = client.episodes.get().appointments.order_by("starts_at").first()
    parsed = parse_transcript(fixture_bytes("session.vtt"), "session.vtt")
    transcript = services.transcript_upload(
        actor=therapist, appointment=appointment, parsed=parsed, filename="session.vtt"
    )
    roles = transcript.read_content()["guessed_roles"]
    services.transcript_set_roles(
        actor=therapist, transcript=transcript, roles=roles, coder=RuleCoder()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM transcripts_transcript WHERE id = %s", [transcript.pk])
        cipher = cursor.fetchone()[0]
    needle = cipher[len(cipher) // 2 : len(cipher) // 2 + 48].encode()
    before = files_holding(needle)
    Transcript.objects.filter(pk=transcript.pk).update(
        uploaded_at=timezone.now() - timedelta(days=31)
    )
    purged = services.transcripts_purge_expired()
    after = files_holding(needle)
    print(
        json.dumps({"needle": needle.decode(), "before": before, "purged": purged, "after": after})
    )


if __name__ == "__main__":
    main()
