"""Directive wording is advice whatever sub-code or code the coder gave: "I think you should
move out" coded negotiation (agreeing a plan together) and "What you should do is ..." coded
a reflection were neither advice nor an intervention without a reflection. Negotiation and
options that leave the choice to the client, affirmations and information are not advice."""

from __future__ import annotations

import pytest

from tests.transcripts._helpers import code, flags_on_one_turn

CLIENT = "My landlord keeps putting the rent up and I can't sleep for worrying."


def _flags_on(therapist: str, therapist_code) -> list[str]:
    return flags_on_one_turn(CLIENT, therapist, therapist_code)


BOTH = ["advice", "intervention_without_reflection"]


@pytest.mark.parametrize(
    "text",
    [
        "I really think you should tell your landlord you're leaving.",
        "Honestly, you need to start looking for a cheaper flat.",
        "Your plan for the next fortnight should be to phone three letting agents.",
        "Your first step has to be a letter to the council.",
    ],
)
def test_directive_wording_coded_negotiation_or_options_is_advice(text):
    for subcode in ("negotiation", "options"):
        assert _flags_on(text, code("therapist_input", subcode)) == BOTH, (text, subcode)


@pytest.mark.parametrize(
    "text",
    [
        "What you need to do is stop answering his calls.",
        "What you ought to do now is ring the council in the morning.",
    ],
)
def test_what_you_should_do_is_advice_even_coded_as_a_reflection(text):
    # A turn coded a reflection whose wording is advice reflects nothing either.
    assert _flags_on(text, code("reflection", "simple")) == BOTH


@pytest.mark.parametrize(
    "text",
    [
        "Shall we agree on one small step for this week?",
        "What would you like to aim for before we meet again?",
        "Let's agree what feels doable between now and next time.",
    ],
)
def test_negotiating_a_plan_together_is_not_advice(text):
    assert "advice" not in _flags_on(text, code("therapist_input", "negotiation"))


def test_offering_options_is_not_advice():
    text = "Some people write to the landlord, others go to Citizens Advice first."
    assert "advice" not in _flags_on(text, code("therapist_input", "options"))


@pytest.mark.parametrize(
    "text",
    [
        "You should be really proud of how you handled that call.",
        "You must feel so pleased with yourself after sorting it out.",
    ],
)
def test_an_affirmation_with_should_is_not_advice(text):
    for therapist_code in (code("reflection", "simple"), code("therapist_input", "information")):
        assert "advice" not in _flags_on(text, therapist_code), (text, therapist_code)


def test_a_reflection_of_what_the_client_feels_they_should_do_is_still_a_reflection():
    text = "You feel you should have left that flat a long time ago."
    assert _flags_on(text, code("reflection", "complex")) == []
