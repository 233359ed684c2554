"""Models and migrations agree: a model change without its migration fails here."""

from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_every_model_change_has_its_migration():
    try:
        call_command("makemigrations", "--check", "--dry-run", verbosity=0)
    except SystemExit as exit_:
        pytest.fail(f"models changed without a migration (makemigrations exit {exit_.code})")


@pytest.mark.django_db(transaction=True)
def test_referral_sources_already_stored_are_encrypted_in_place_and_back(therapist_a):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from rapport.clinic.models import Episode
    from tests.conftest import make_client

    episode = make_client(therapist_a).episodes.get()
    executor = MigrationExecutor(connection)
    executor.migrate([("clinic", "0001_initial")])
    with connection.cursor() as cursor:  # as a release before the change stored it
        cursor.execute(
            "UPDATE clinic_episode SET referral_source = %s WHERE id = %s",
            ["Court order, probation officer", episode.pk],
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert "probation" not in _raw_referral(episode.pk)
    assert Episode.objects.get(pk=episode.pk).referral_source == "Court order, probation officer"
    executor = MigrationExecutor(connection)
    executor.migrate([("clinic", "0001_initial")])
    assert _raw_referral(episode.pk) == "Court order, probation officer"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _raw_referral(pk: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT referral_source FROM clinic_episode WHERE id = %s", [pk])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_import_keys_already_stored_are_keyed_in_place(client_a):
    """Keys stored as a plain digest of the row become the keyed digest the import now
    computes, so re-importing an old file still finds them (and adds nothing)."""
    import hashlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    from rapport.checkins.services import keyed_digest
    from rapport.measures.models import Response
    from rapport.measures.services import response_record

    plain = hashlib.sha256(b"a row of an old import").hexdigest()
    imported, _ = response_record(
        client=client_a,
        instrument_id="phq9",
        answers={f"phq9_{i}": 1 for i in range(1, 10)},
        source="import",
        idempotency_key=f"import:{plain}",
        administered_at=timezone.now(),
    )
    other, _ = response_record(
        client=client_a,
        instrument_id="phq9",
        answers={f"phq9_{i}": 0 for i in range(1, 10)},
        source="tablet",
        idempotency_key="form:abc",
        administered_at=timezone.now(),
    )
    executor = MigrationExecutor(connection)
    executor.migrate([("measures", "0002_response_review_and_clinic_wording")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert Response.objects.get(pk=imported.pk).idempotency_key == f"import:{keyed_digest(plain)}"
    assert Response.objects.get(pk=other.pk).idempotency_key == "form:abc"
