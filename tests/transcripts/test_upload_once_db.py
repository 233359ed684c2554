"""One stored copy of a file per session, even when two uploads of it race.

``transcript_upload`` first looks for the file among the session's transcripts, but two
requests at once (a double click on PostgreSQL, which runs them side by side) can both find
nothing. The database then refuses the second copy, and the second upload gets the first
one back as "already uploaded", as a later upload would.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from rapport.audit.models import Action, AuditEvent
from rapport.transcripts import services
from rapport.transcripts.models import Transcript
from rapport.transcripts.parsing import parse_transcript
from tests.transcripts.fixtures_db import fixture_bytes

DIGEST = "ab" * 32


@pytest.fixture
def appointment(client_a):
    return client_a.episodes.get().appointments.order_by("starts_at").first()


def _row(appointment, digest=DIGEST, **fields) -> Transcript:
    transcript = Transcript(appointment=appointment, source_format="vtt", digest=digest, **fields)
    with transaction.atomic():  # a savepoint, so a refused row leaves the test usable
        transcript.save()
    return transcript


@pytest.mark.django_db
def test_the_database_holds_one_copy_of_a_file_per_session_while_its_text_is_kept(
    appointment, client_b
):
    first = _row(appointment)
    with pytest.raises(IntegrityError):
        _row(appointment)
    # The same file for another session, and rows without a digest, are not copies.
    _row(client_b.episodes.get().appointments.first())
    _row(appointment, digest="")
    _row(appointment, digest="")
    # Once the text is deleted, the file may be uploaded (and analysed) again.
    first.text_deleted_at = timezone.now()
    first.save()
    again = _row(appointment)
    assert again.pk != first.pk


@pytest.mark.django_db
def test_an_upload_that_raced_another_gets_the_stored_copy_back(
    monkeypatch, appointment, therapist_a
):
    parsed = parse_transcript(fixture_bytes("session.vtt"), "session.vtt")
    stored = services.transcript_upload(
        actor=therapist_a, appointment=appointment, parsed=parsed, filename="session.vtt"
    )
    # The racing request looked before the first one committed: it found nothing.
    looked_up = services._stored_copy
    looks = []

    def before_the_other_commit(appointment, digest):
        looks.append(digest)
        return None if len(looks) == 1 else looked_up(appointment, digest)

    monkeypatch.setattr(services, "_stored_copy", before_the_other_commit)

    again = services.transcript_upload(
        actor=therapist_a, appointment=appointment, parsed=parsed, filename="session.vtt"
    )

    assert len(looks) == 2  # the database refused the copy, and the stored one was looked up
    assert again.pk == stored.pk
    assert again.already_uploaded is True
    assert list(Transcript.objects.values_list("pk", flat=True)) == [stored.pk]
    created = AuditEvent.objects.filter(action=Action.CREATE, target__startswith="transcript:")
    assert created.count() == 1
    # The caller's transaction goes on: the refused insert was undone in a savepoint.
    assert Transcript.objects.get(pk=stored.pk).read_content()["filename"] == "session.vtt"


@pytest.mark.django_db(transaction=True)
def test_copies_stored_before_the_constraint_are_kept_and_the_later_ones_lose_their_digest(
    appointment,
):
    executor = MigrationExecutor(connection)
    executor.migrate([("transcripts", "0002_upload_digest")])
    old = executor.loader.project_state([("transcripts", "0002_upload_digest")]).apps
    OldTranscript = old.get_model("transcripts", "Transcript")
    first, second = (
        OldTranscript.objects.create(appointment_id=appointment.pk, digest=DIGEST) for _ in range(2)
    )
    purged = OldTranscript.objects.create(
        appointment_id=appointment.pk, digest=DIGEST, text_deleted_at=timezone.now()
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    digests = dict(Transcript.objects.values_list("pk", "digest"))
    assert digests == {first.pk: DIGEST, second.pk: "", purged.pk: DIGEST}
