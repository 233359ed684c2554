"""After a model upgrade, stored analyses are brought up to date with the installed models."""

from __future__ import annotations

import pytest

from rapport.audit.models import Action, AuditEvent
from rapport.cli import main
from rapport.transcripts import services
from rapport.transcripts.coding import Code
from rapport.transcripts.models import Transcript
from rapport.transcripts.parsing import parse_transcript
from rapport.transcripts.quality import quality_model_version
from tests.transcripts.fixtures_db import RuleCoder, fixture_bytes

pytestmark = pytest.mark.django_db


class OldCoder(RuleCoder):
    meta = {"version": "coder-old"}


class NewCoder(RuleCoder):
    """Another model: codes every turn differently from ``OldCoder``."""

    meta = {"version": "coder-new"}

    def code_conversation(self, turns):
        self.calls.append(list(turns))
        return [Code("other" if role == "therapist" else "change", None, 0.5) for role, _ in turns]


def _uploaded(client, name="session.vtt") -> Transcript:
    appointment = client.episodes.get().appointments.order_by("starts_at").first()
    parsed = parse_transcript(fixture_bytes(name), name)
    return services.transcript_upload(
        actor=client.therapist, appointment=appointment, parsed=parsed, filename=name
    )


def _analysed(client, *, swap_roles=False, name="session.vtt") -> Transcript:
    transcript = _uploaded(client, name)
    roles = transcript.read_content()["guessed_roles"]
    if swap_roles:  # a person corrected the guess: re-analysis must keep their choice
        roles = {s: "client" if r == "therapist" else "therapist" for s, r in roles.items()}
    return services.transcript_set_roles(
        actor=client.therapist, transcript=transcript, roles=roles, coder=OldCoder()
    )


def test_an_analysis_by_another_coder_is_redone_with_the_confirmed_roles(client_a):
    transcript = _analysed(client_a, swap_roles=True)
    confirmed = transcript.read_content()["roles"]
    assert transcript.metrics["coder_model"] == "coder-old"
    assert transcript.metrics["quality_model"] == quality_model_version()
    new = NewCoder()

    done = services.transcripts_reanalyse(coder=new)

    assert (done.reanalysed, done.current, done.without_text) == (1, 0, 0)
    transcript.refresh_from_db()
    assert transcript.metrics["coder_model"] == "coder-new"
    assert {u["code"] for u in transcript.utterances} == {"other", "change"}
    speakers = transcript.read_content()["speakers"]
    roles_given = [role for role, _ in new.calls[0]]
    assert roles_given == [confirmed[speakers[u["speaker"]]] for u in transcript.utterances]
    assert transcript.read_content()["roles"] == confirmed
    event = AuditEvent.objects.get(target=f"transcript:{transcript.pk}:reanalysis")
    assert event.action == Action.UPDATE and event.actor_label == "system"
    assert event.client_id == client_a.pk


def test_a_second_run_finds_everything_up_to_date_unless_asked_for_all(client_a):
    _analysed(client_a)
    assert services.transcripts_reanalyse(coder=NewCoder()).reanalysed == 1
    again = services.transcripts_reanalyse(coder=NewCoder())
    assert (again.reanalysed, again.current) == (0, 1)
    assert services.transcripts_reanalyse(coder=NewCoder(), everything=True).reanalysed == 1


def test_a_new_quality_model_alone_makes_an_analysis_out_of_date(client_a, monkeypatch):
    _analysed(client_a)
    assert services.transcripts_reanalyse(coder=OldCoder()).current == 1
    monkeypatch.setattr(services, "quality_model_version", lambda: "quality-next")
    assert services.transcripts_reanalyse(coder=OldCoder()).reanalysed == 1


def test_deleted_text_and_unconfirmed_roles_are_left_as_they_are(client_a):
    deleted = _analysed(client_a)
    services.transcript_delete_text(actor=client_a.therapist, transcript=deleted)
    deleted.refresh_from_db()
    pending = _uploaded(client_a, "session.txt")
    codes_before = deleted.utterances

    done = services.transcripts_reanalyse(coder=NewCoder())

    assert (done.reanalysed, done.current, done.without_text) == (0, 0, 1)
    deleted.refresh_from_db()
    pending.refresh_from_db()
    assert deleted.utterances == codes_before and deleted.metrics["coder_model"] == "coder-old"
    assert pending.utterances == [] and pending.analysed_at is None
    assert not AuditEvent.objects.filter(target__endswith=":reanalysis").exists()


def test_the_command_says_what_it_did(client_a, monkeypatch, capsys):
    _analysed(client_a)
    monkeypatch.setattr(services, "get_coder", NewCoder)
    assert main(["reanalyse-transcripts"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Re-analysed 1 transcript with the installed models; 0 already up to date; "
        "0 kept as they were (text deleted)."
    )
    assert main(["reanalyse-transcripts", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_new_flag_or_metric_rules_alone_make_an_analysis_out_of_date(client_a, monkeypatch):
    transcript = _analysed(client_a)
    assert transcript.metrics["rules_version"] == services.rules_version()
    assert services.transcripts_reanalyse(coder=OldCoder()).current == 1
    monkeypatch.setattr(services, "rules_version", lambda: "rules-next")
    assert services.transcripts_reanalyse(coder=OldCoder()).reanalysed == 1


def test_the_rules_version_follows_the_lexicons_and_rules(tmp_path):
    from rapport.transcripts import analysis
    from tests.transcripts.test_short_session_estimate_stored_db import rules_copy

    copy = rules_copy(tmp_path)
    lexicon = copy / "lexicons" / "small_talk.json"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert analysis.rules_digest(copy) != analysis.rules_version()
