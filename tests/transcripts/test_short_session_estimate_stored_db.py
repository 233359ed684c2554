"""A session of fewer than 10 therapist utterances gets no quality estimate ("Not rated").
An analysis stored before that rule kept its number and reasons in the database: the pages
hid it, but the row still said 0.87. Stored ones are cleared (migration 0005, which reaches
transcripts whose text was deleted too), and a change to the rules in quality.py makes the
analyses made under the old ones out of date, for ``rapport reanalyse-transcripts``.
All people and words are invented."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from rapport.transcripts import analysis, services
from rapport.transcripts.models import Transcript
from rapport.transcripts.parsing import parse_transcript
from tests.transcripts.fixtures_db import RuleCoder

BEFORE = [("transcripts", "0004_one_copy_per_session")]


def _text(therapist_turns: int, tag: str) -> bytes:
    lines = []
    for n in range(therapist_turns):
        lines.append(f"Therapist: What would help most this week, step {n + 1}?")
        lines.append(f"Client: I could try walking to work on day {n + 1} of {tag}.")
    return ("\n".join(lines) + "\n").encode()


def _analysed(client, therapist_turns: int, tag: str = "May") -> Transcript:
    appointment = client.episodes.get().appointments.order_by("starts_at").first()
    name = f"session-{tag}.txt"
    parsed = parse_transcript(_text(therapist_turns, tag), name)
    transcript = services.transcript_upload(
        actor=client.therapist, appointment=appointment, parsed=parsed, filename=name
    )
    roles = transcript.read_content()["guessed_roles"]
    assert sorted(roles.values()) == ["client", "therapist"]
    return services.transcript_set_roles(
        actor=client.therapist, transcript=transcript, roles=roles, coder=RuleCoder()
    )


def _stored_before_the_rule(transcript: Transcript) -> None:
    """As an analysis made before the rule left it: a number and its reasons."""
    Transcript.objects.filter(pk=transcript.pk).update(
        quality_estimate=0.87, quality_reasons=["mostly open questions (raises the estimate)"]
    )


def _migrate(targets=None) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_estimates_stored_for_short_sessions_are_cleared_and_others_kept(client_a):
    short = _analysed(client_a, 6, "May")
    deleted = _analysed(client_a, 6, "June")
    long = _analysed(client_a, 12, "July")
    assert short.metrics["counts"]["therapist_utterances"] == 6
    assert short.quality_estimate is None  # the rule holds for a new analysis
    assert long.quality_estimate is not None
    kept = (long.quality_estimate, long.quality_reasons)
    for transcript in (short, deleted):
        _stored_before_the_rule(transcript)
    services.transcript_delete_text(actor=client_a.therapist, transcript=deleted)

    _migrate(BEFORE)
    # Only the column read: at 0004 the table has none of the later fields (medical_role).
    before = Transcript.objects.filter(pk=short.pk).values_list("quality_estimate", flat=True)
    assert before.get() == 0.87  # reversed: no-op
    _migrate()

    for transcript in (short, deleted):
        transcript.refresh_from_db()
        assert (transcript.quality_estimate, transcript.quality_reasons) == (None, [])
    long.refresh_from_db()
    assert (long.quality_estimate, long.quality_reasons) == kept


@pytest.mark.django_db
def test_reanalysis_clears_an_estimate_stored_under_older_rules(client_a):
    short = _analysed(client_a, 6)
    _stored_before_the_rule(short)
    Transcript.objects.filter(pk=short.pk).update(
        metrics={**short.metrics, "rules_version": "rules-before-quality-py"}
    )

    done = services.transcripts_reanalyse(coder=RuleCoder())

    assert done.reanalysed == 1
    short.refresh_from_db()
    assert (short.quality_estimate, short.quality_reasons) == (None, [])
    assert short.metrics["rules_version"] == analysis.rules_version()


def rules_copy(tmp_path: Path) -> Path:
    """A copy of the files the rules digest reads, checked to give the installed digest."""
    package = Path(analysis.__file__).resolve().parent
    copy = tmp_path / "transcripts"
    shutil.copytree(package / "lexicons", copy / "lexicons")
    for name in ("flags.py", "metrics.py", "quality.py"):
        shutil.copy(package / name, copy / name)
    assert analysis.rules_digest(copy) == analysis.rules_version()
    return copy


def test_a_change_to_the_quality_rules_changes_the_rules_version(tmp_path):
    copy = rules_copy(tmp_path)
    rules = copy / "quality.py"
    source = rules.read_text(encoding="utf-8")
    assert "MIN_THERAPIST_UTTERANCES = 10\n" in source
    rules.write_text(
        source.replace("MIN_THERAPIST_UTTERANCES = 10\n", "MIN_THERAPIST_UTTERANCES = 12\n")
    )
    assert analysis.rules_digest(copy) != analysis.rules_version()


@pytest.mark.django_db
def test_a_change_to_the_quality_rules_makes_an_analysis_out_of_date(
    client_a, tmp_path, monkeypatch
):
    _analysed(client_a, 12)
    assert services.transcripts_reanalyse(coder=RuleCoder()).current == 1
    copy = rules_copy(tmp_path)
    rules = copy / "quality.py"
    rules.write_text(rules.read_text(encoding="utf-8").replace("_MAX_RQ = 10.0", "_MAX_RQ = 8.0"))
    monkeypatch.setattr(services, "rules_version", lambda: analysis.rules_digest(copy))

    done = services.transcripts_reanalyse(coder=RuleCoder())

    assert (done.reanalysed, done.current) == (1, 0)
