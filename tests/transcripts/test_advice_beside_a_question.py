"""Advice beside a question in one turn: "You should just ignore him. Did you try that?"
was coded a closed question (each utterance gets one code) and the advice flag, which read
only turns coded as therapist input or reflection, never saw the advice sentence. A
sentence that tells the client what to do, in wording that can only be advice, is advice
in a turn coded as a question too; questions themselves, affirmations and the client's
circumstances set out before a question are not."""

from __future__ import annotations

import pytest

from tests.transcripts._helpers import code, flags_on_one_turn

CLIENT = "My brother keeps calling me names in front of my friends and it really gets to me."


def _flags_on(therapist: str, therapist_code, client: str = CLIENT) -> list[str]:
    return flags_on_one_turn(client, therapist, therapist_code)


@pytest.mark.parametrize(
    "text",
    [
        "You should just ignore him. Did you try that?",  # the staff review's example
        "If I were you, I'd move out. Have you thought about it?",
        "Just stay away from him, okay?",  # a directive with a tag, not a question
        "You should probably talk to your GP about that. Have you seen them recently?",
        "Try to stay away from him this week. How does that sound?",
    ],
)
@pytest.mark.parametrize("subcode", ["closed", "open"])
def test_advice_in_a_turn_coded_as_a_question_is_flagged(text, subcode):
    assert "advice" in _flags_on(text, code("question", subcode))


@pytest.mark.parametrize(
    "text",
    [
        "What do you think you should do?",
        "Do you feel you need to stop seeing him?",
        "So you feel you should stand up to him. What stops you?",
        "You should feel proud of that. How did it go?",
        "You should be really proud of yourself. What helped?",
        "You should know that this stays between us. What would you like to talk about?",
        # Circumstances set out for the question, not instructions.
        "You have to see him every day. How do you manage that?",
        "You've got to share a room with him. What is that like?",
        "It sounds like you need to be heard. Is that right?",
    ],
)
def test_questions_affirmations_and_circumstances_are_not_advice(text):
    assert "advice" not in _flags_on(text, code("question", "open"))


def test_advice_beside_a_question_the_client_asked_for_is_not_flagged():
    asked = "What should I do about my brother? He keeps calling me names."
    flags = _flags_on("You should just ignore him. Did you try that?", code("question"), asked)
    assert "advice" not in flags
