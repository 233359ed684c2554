"""The clinic's retention rule holds even where nobody installed the daily job: text past
the limit is deleted by the first read that would show it (report, roles page, client
page, re-analysis), and when the server starts. Codes and metrics stay."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from rapport import cli
from rapport.audit.models import Action, AuditEvent
from rapport.cli import main
from rapport.transcripts import services
from rapport.transcripts.models import TextDeletion, Transcript
from rapport.transcripts.parsing import parse_transcript
from tests.clinic._races import real_concurrency, run_twice_at_once
from tests.transcripts.fixtures_db import RuleCoder, fixture_bytes, use_rule_coder

# Words of the synthetic session (tests/transcripts/fixtures_db/session.vtt).
SPOKEN = ("Robin", "evenings", "worry catches up with you")


def analysed_transcript(client, *, days_old: int, name: str = "session.vtt") -> Transcript:
    """An analysed transcript of the client's first session, uploaded ``days_old`` days ago."""
    appointment = client.episodes.get().appointments.order_by("starts_at").first()
    parsed = parse_transcript(fixture_bytes(name), name)
    transcript = services.transcript_upload(
        actor=client.therapist, appointment=appointment, parsed=parsed, filename=name
    )
    roles = transcript.read_content()["guessed_roles"]
    transcript = services.transcript_set_roles(
        actor=client.therapist, transcript=transcript, roles=roles, coder=RuleCoder()
    )
    uploaded = timezone.now() - timedelta(days=days_old)
    Transcript.objects.filter(pk=transcript.pk).update(uploaded_at=uploaded)
    transcript.refresh_from_db()
    return transcript


def raw_content(transcript) -> str | None:
    """The encrypted column as the database holds it (not through the model)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT content FROM transcripts_transcript WHERE id = %s", [transcript.pk])
        return cursor.fetchone()[0]


def kept_analysis(transcript) -> tuple:
    row = Transcript.objects.get(pk=transcript.pk)
    return (row.utterances, row.metrics, row.flags, row.quality_estimate, row.analysed_at)


def retention_deletions(transcript):
    return AuditEvent.objects.filter(target=f"transcript:{transcript.pk}:text-retention")


def set_retention(clinic, days: int) -> None:
    clinic.transcript_retention_days = days
    clinic.save()


@pytest.mark.django_db
def test_the_report_past_the_limit_deletes_the_text_in_the_row_and_keeps_codes_and_metrics(
    login, clinic, therapist_a, client_a
):
    set_retention(clinic, 1)
    transcript = analysed_transcript(client_a, days_old=30)
    analysis = kept_analysis(transcript)
    assert raw_content(transcript) is not None

    http = login(therapist_a)
    page = http.get(f"/transcripts/{transcript.pk}/").content.decode()

    assert raw_content(transcript) is None  # gone from the database, not just hidden
    row = Transcript.objects.get(pk=transcript.pk)
    assert row.text_deletion == TextDeletion.RETENTION and row.text_deleted_at is not None
    assert kept_analysis(transcript) == analysis
    assert row.utterances and row.metrics["values"]  # the rule keeps codes and metrics
    # The page is the one for text deleted under the rule: metrics, codes, no words.
    when = timezone.localtime(row.text_deleted_at).strftime("%-d %b %Y")
    assert f"The transcript text was deleted on {when} under the clinic's retention rule" in page
    assert page.count("[text deleted]") == transcript.turn_count
    assert "Reflections per question" in page and "A run of closed questions" in page
    assert "Correct the roles" not in page
    for words in SPOKEN:
        assert words not in page
    [event] = retention_deletions(transcript)
    assert event.action == Action.DELETE and event.actor_label == "system"
    assert event.client_id == client_a.pk and event.path == ""  # the system's, as the job's

    # Reading it again changes nothing and deletes nothing twice.
    again = http.get(f"/transcripts/{transcript.pk}/").content.decode()
    assert again.count("[text deleted]") == transcript.turn_count
    assert retention_deletions(transcript).count() == 1
    assert services.transcripts_purge_expired() == 0


@pytest.mark.django_db
def test_text_within_the_limit_is_shown_and_kept(login, clinic, therapist_a, client_a):
    set_retention(clinic, 30)
    transcript = analysed_transcript(client_a, days_old=29)
    page = login(therapist_a).get(f"/transcripts/{transcript.pk}/").content.decode()
    assert "worry catches up with you" in page and "[text deleted]" not in page
    assert raw_content(transcript) is not None
    assert not retention_deletions(transcript).exists()


@pytest.mark.django_db
def test_a_clinic_that_keeps_text_keeps_it_at_any_age(login, clinic, therapist_a, client_a):
    transcript = analysed_transcript(client_a, days_old=3000)  # 0 days: keep
    page = login(therapist_a).get(f"/transcripts/{transcript.pk}/").content.decode()
    assert "worry catches up with you" in page
    assert raw_content(transcript) is not None


@pytest.mark.django_db
def test_the_roles_page_past_the_limit_deletes_the_text_and_analyses_nothing(
    login, clinic, therapist_a, client_a, monkeypatch
):
    coder = use_rule_coder(monkeypatch)
    set_retention(clinic, 1)
    transcript = analysed_transcript(client_a, days_old=30)
    analysis = kept_analysis(transcript)
    http = login(therapist_a)

    shown = http.get(f"/transcripts/{transcript.pk}/roles/")
    assert shown.status_code == 302 and shown["Location"] == f"/transcripts/{transcript.pk}/"
    assert raw_content(transcript) is None

    sent = http.post(
        f"/transcripts/{transcript.pk}/roles/",
        {"speaker_0": "therapist", "speaker_1": "client"},
        follow=True,
    )
    page = sent.content.decode()
    assert "its roles can no longer be changed" in page
    assert "Robin" not in page and "Jo Counsellor" not in page
    assert coder.calls == []  # nothing was analysed again
    assert kept_analysis(transcript) == analysis
    assert retention_deletions(transcript).count() == 1


@pytest.mark.django_db
def test_the_roles_page_of_a_transcript_never_analysed_past_the_limit(
    login, clinic, therapist_a, client_a
):
    set_retention(clinic, 1)
    appointment = client_a.episodes.get().appointments.first()
    parsed = parse_transcript(fixture_bytes("session.txt"), "session.txt")
    transcript = services.transcript_upload(
        actor=therapist_a, appointment=appointment, parsed=parsed, filename="session.txt"
    )
    Transcript.objects.filter(pk=transcript.pk).update(
        uploaded_at=timezone.now() - timedelta(days=2)
    )
    http = login(therapist_a)
    page = http.get(f"/transcripts/{transcript.pk}/roles/", follow=True).content.decode()
    assert raw_content(transcript) is None
    assert "was not analysed before its text was deleted" in page
    assert "under the clinic's retention rule" in page


@pytest.mark.django_db
def test_the_service_refuses_to_analyse_text_past_the_limit_and_deletes_it(
    clinic, therapist_a, client_a
):
    set_retention(clinic, 1)
    transcript = analysed_transcript(client_a, days_old=30)
    coder = RuleCoder()
    with pytest.raises(ValidationError, match="has been deleted"):
        services.transcript_set_roles(
            actor=therapist_a,
            transcript=transcript,
            roles={"Jo Counsellor": "therapist", "Robin": "client"},
            coder=coder,
        )
    assert coder.calls == []
    assert raw_content(transcript) is None  # committed, though the call was refused


@pytest.mark.django_db
def test_the_client_page_deletes_text_past_the_limit_and_says_text_deleted(
    login, clinic, therapist_a, client_a
):
    set_retention(clinic, 7)
    old = analysed_transcript(client_a, days_old=8)
    recent = analysed_transcript(client_a, days_old=6, name="session.txt")
    page = login(therapist_a).get(f"/clients/{client_a.pk}/").content.decode()
    assert raw_content(old) is None and raw_content(recent) is not None
    assert page.count("text deleted") == 1
    assert retention_deletions(old).count() == 1 and not retention_deletions(recent).exists()


@pytest.mark.django_db
def test_reanalysis_deletes_text_past_the_limit_instead_of_analysing_it(
    capsys, clinic, client_a, monkeypatch
):
    coder = use_rule_coder(monkeypatch)
    set_retention(clinic, 10)
    old = analysed_transcript(client_a, days_old=11)
    recent = analysed_transcript(client_a, days_old=9, name="session.txt")
    old_analysis = kept_analysis(old)

    assert main(["reanalyse-transcripts", "--all"]) == 0

    assert capsys.readouterr().out.strip() == (
        "Re-analysed 1 transcript with the installed models; 0 already up to date; "
        "1 kept as they were (text deleted)."
    )
    assert raw_content(old) is None and raw_content(recent) is not None
    assert kept_analysis(old) == old_analysis
    assert len(coder.calls) == 1 and all("evenings" not in text for _, text in coder.calls[0])
    assert retention_deletions(old).count() == 1


@pytest.mark.django_db
def test_reanalysing_one_transcript_checks_the_limit_at_the_moment_it_reads(clinic, client_a):
    """A long run can reach a transcript after its limit has passed."""
    set_retention(clinic, 10)
    transcript = analysed_transcript(client_a, days_old=11)
    coder = RuleCoder()
    assert services._reanalyse_one(transcript.pk, coder) is False
    assert coder.calls == [] and raw_content(transcript) is None


@pytest.mark.django_db
def test_serve_purges_the_clinics_expired_text_before_it_starts(
    capsys, settings, clinic, client_a, monkeypatch
):
    set_retention(clinic, 30)
    old = analysed_transcript(client_a, days_old=31)
    recent = analysed_transcript(client_a, days_old=29, name="session.txt")
    started: list[list[str]] = []
    settings.WHITENOISE_USE_FINDERS = True  # nothing to collect
    # gunicorn itself is not started here: the server's argv is recorded instead.
    monkeypatch.setattr(cli.os, "execvp", lambda path, argv: started.append(argv))

    assert main(["serve"]) == 0

    assert raw_content(old) is None and raw_content(recent) is not None
    assert started and "rapport.wsgi:application" in started[0]
    assert "deleted the text of 1 transcript past the clinic's limit" in capsys.readouterr().err
    assert retention_deletions(old).get().actor_label == "system"


@pytest.mark.django_db
def test_serve_and_demo_share_the_start_up_purge():
    import rapport.commands  # noqa: F401 - registers the packages' commands and tasks
    from rapport.transcripts.cli import purge_at_start

    assert purge_at_start in cli._START_TASKS


@pytest.mark.django_db
def test_the_settings_page_says_what_the_rule_does_and_whether_text_waits(
    login, clinic, admin_user, client_a
):
    set_retention(clinic, 30)
    analysed_transcript(client_a, days_old=40)  # past the limit for days: no job runs
    analysed_transcript(client_a, days_old=10, name="session.txt")
    page = login(admin_user).get("/manage/clinic/").content.decode()
    assert "deleted the first time anyone opens the transcript" in page
    assert "The codes and metrics are kept" in page
    assert "1 transcript still holds text past the limit" in page
    assert (
        "1 has been past the limit for more than a day: check that the daily job "
        "(rapport purge-transcripts) runs." in page
    )
    assert "No text has been deleted under the rule yet." in page

    assert services.transcripts_purge_expired() == 1
    page = login(admin_user).get("/manage/clinic/").content.decode()
    assert "no transcript holds text past the limit" in page
    assert "Text was last deleted under the rule on" in page


@pytest.mark.django_db
def test_the_settings_page_says_nothing_of_retention_when_text_is_kept(
    login, clinic, admin_user, client_a
):
    analysed_transcript(client_a, days_old=40)
    page = login(admin_user).get("/manage/clinic/").content.decode()
    assert "Transcript retention" not in page and "past the limit" not in page


@pytest.mark.django_db(transaction=True)
def test_two_reads_at_once_delete_and_audit_the_text_once(clinic, client_a):
    if not real_concurrency():
        pytest.skip("in-memory SQLite cannot run concurrent writers; PostgreSQL runs this in CI")
    set_retention(clinic, 1)
    transcript = analysed_transcript(client_a, days_old=30)
    both_loaded = threading.Barrier(2, timeout=10)

    def read_it():
        # Each request loads the row with its text, then applies the rule at the same time.
        mine = Transcript.objects.select_related("appointment__episode").get(pk=transcript.pk)
        both_loaded.wait()
        services.transcript_enforce_retention(mine)
        return mine

    results = run_twice_at_once(read_it)

    assert all(isinstance(r, Transcript) for r in results), results
    assert all(not r.has_text and r.read_content() is None for r in results)
    assert raw_content(transcript) is None
    assert retention_deletions(transcript).count() == 1


@pytest.mark.django_db
def test_uploading_the_file_again_past_the_limit_stores_it_anew(
    login, clinic, therapist_a, client_a
):
    """Not "already uploaded" with a copy whose text the rule deletes on the next read."""
    set_retention(clinic, 1)
    old = analysed_transcript(client_a, days_old=30)
    parsed = parse_transcript(fixture_bytes("session.vtt"), "session.vtt")
    again = services.transcript_upload(
        actor=therapist_a, appointment=old.appointment, parsed=parsed, filename="session.vtt"
    )
    assert again.pk != old.pk and not getattr(again, "already_uploaded", False)
    assert raw_content(old) is None and raw_content(again) is not None
    assert retention_deletions(old).count() == 1


@pytest.mark.django_db
def test_the_settings_page_says_one_day_not_one_days(login, clinic, admin_user, client_a):
    set_retention(clinic, 1)
    page = login(admin_user).get("/manage/clinic/").content.decode()
    assert "Transcript retention (1 day):" in page and "(1 days)" not in page
    set_retention(clinic, 2)
    page = login(admin_user).get("/manage/clinic/").content.decode()
    assert "Transcript retention (2 days):" in page
