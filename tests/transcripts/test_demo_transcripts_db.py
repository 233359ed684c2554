"""The demo clinic comes with two synthetic analysed sessions for one client."""

from __future__ import annotations

import pytest

from rapport.demo import seed_demo
from rapport.transcripts.demo import DIRECTIVE_SESSION, WARM_SESSION, demo_vtt
from rapport.transcripts.models import Transcript
from rapport.transcripts.parsing import parse_transcript
from tests.transcripts.fixtures_db import use_rule_coder

pytestmark = pytest.mark.django_db


def test_the_demo_sessions_are_valid_transcripts():
    for session in (WARM_SESSION, DIRECTIVE_SESSION):
        parsed = parse_transcript(demo_vtt(session), "demo.vtt")
        assert len(parsed.turns) == len(session)
        assert len(parsed.speakers) == 2


def test_the_demo_gives_ada_a_warm_and_a_directive_analysed_session(monkeypatch):
    use_rule_coder(monkeypatch)
    seed_demo()
    warm, directive = Transcript.objects.order_by("appointment__starts_at")
    assert warm.appointment.episode.client_id == directive.appointment.episode.client_id
    assert warm.appointment.episode.client.display_name.startswith("Ada ")
    assert warm.is_analysed and directive.is_analysed
    directive_kinds = {flag["kind"] for flag in directive.flags}
    assert {"advice", "medical_advice", "off_topic_small_talk", "closed_question_run"} <= (
        directive_kinds
    )
    assert "client_quiet" in directive_kinds
    assert len(warm.flags) < len(directive.flags)
    values = warm.metrics["values"], directive.metrics["values"]
    assert values[0]["percent_open_questions"] > values[1]["percent_open_questions"]
    assert values[0]["percent_therapist_input"] < values[1]["percent_therapist_input"]
    # Seeding again changes nothing.
    seed_demo()
    assert Transcript.objects.count() == 2


def test_the_demo_still_seeds_when_no_coder_is_installed(monkeypatch):
    from rapport.transcripts import services

    def unavailable():
        raise services.CoderUnavailable("no model")

    monkeypatch.setattr("rapport.transcripts.services.get_coder", unavailable)
    clinic, created = seed_demo()
    assert created and Transcript.objects.count() == 0
