"""The clinic's retention rule deletes transcript text and keeps codes and metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from rapport.audit.models import Action, AuditEvent
from rapport.cli import main
from rapport.clinic.models import Clinic
from rapport.transcripts import services
from rapport.transcripts.models import TextDeletion, Transcript
from rapport.transcripts.parsing import parse_transcript
from tests.conftest import make_client, make_user
from tests.transcripts.fixtures_db import RuleCoder, fixture_bytes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def analysed_transcript(client, *, days_old: int, name: str = "session.vtt") -> Transcript:
    appointment = client.episodes.get().appointments.order_by("starts_at").first()
    parsed = parse_transcript(fixture_bytes(name), name)
    transcript = services.transcript_upload(
        actor=client.therapist, appointment=appointment, parsed=parsed, filename=name
    )
    roles = transcript.read_content()["guessed_roles"]
    transcript = services.transcript_set_roles(
        actor=client.therapist, transcript=transcript, roles=roles, coder=RuleCoder()
    )
    Transcript.objects.filter(pk=transcript.pk).update(uploaded_at=NOW - timedelta(days=days_old))
    transcript.refresh_from_db()
    return transcript


def raw_content(transcript) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM transcripts_transcript WHERE id = %s", [transcript.pk])
        return cursor.fetchone()[0]


def test_text_older_than_the_retention_period_is_deleted_and_the_report_still_shows_metrics(
    login, clinic, therapist_a, client_a
):
    clinic.transcript_retention_days = 30
    clinic.save()
    old = analysed_transcript(client_a, days_old=31)
    recent = analysed_transcript(client_a, days_old=29, name="session.txt")
    metrics, utterances, flags = old.metrics, old.utterances, old.flags
    assert raw_content(old) is not None

    assert services.transcripts_purge_expired(now=NOW) == 1

    old.refresh_from_db()
    assert raw_content(old) is None  # gone from the column itself, not just hidden
    assert old.text_deleted_at == NOW and old.text_deletion == TextDeletion.RETENTION
    assert (old.metrics, old.utterances, old.flags) == (metrics, utterances, flags)
    assert raw_content(recent) is not None

    page = login(therapist_a).get(f"/transcripts/{old.pk}/").content.decode()
    assert "deleted on 2 Mar 2026 under the clinic's retention rule" in page
    assert "Reflections per question" in page and "Open questions (% of questions)" in page
    assert page.count("[text deleted]") == old.turn_count
    assert "Closed question" in page and "A run of closed questions" in page
    assert "Robin" not in page and "evenings" not in page

    event = AuditEvent.objects.get(target=f"transcript:{old.pk}:text-retention")
    assert event.action == Action.DELETE and event.actor_label == "system"
    assert event.client_id == client_a.pk


def test_a_clinic_that_keeps_transcripts_and_other_clinics_are_left_alone(clinic, client_a):
    other = Clinic.objects.create(name="Other Clinic", transcript_retention_days=1)
    other_client = make_client(make_user(other, "other@test.invalid", "therapist"))
    kept = analysed_transcript(client_a, days_old=400)  # clinic keeps text (0 days)
    purged = analysed_transcript(other_client, days_old=2)

    assert services.transcripts_purge_expired(now=NOW) == 1
    assert raw_content(kept) is not None and raw_content(purged) is None
    # A second run finds nothing left to do.
    assert services.transcripts_purge_expired(now=NOW) == 0


def test_the_purge_command_applies_the_rule_and_says_how_many(capsys, clinic, client_a):
    clinic.transcript_retention_days = 7
    clinic.save()
    transcript = analysed_transcript(client_a, days_old=3650)
    assert main(["purge-transcripts"]) == 0
    assert capsys.readouterr().out.strip() == "Deleted the text of 1 transcript."
    assert raw_content(transcript) is None


def test_text_deleted_before_the_roles_were_confirmed_leaves_a_clear_page(
    login, clinic, therapist_a, client_a
):
    appointment = client_a.episodes.get().appointments.first()
    parsed = parse_transcript(fixture_bytes("session.txt"), "session.txt")
    transcript = services.transcript_upload(
        actor=therapist_a, appointment=appointment, parsed=parsed, filename="session.txt"
    )
    services.transcript_delete_text(actor=therapist_a, transcript=transcript)
    http = login(therapist_a)
    page = http.get(f"/transcripts/{transcript.pk}/")
    assert page.status_code == 200
    assert "was not analysed before its text was deleted" in page.content.decode()
    assert http.get(f"/transcripts/{transcript.pk}/roles/").status_code == 302
