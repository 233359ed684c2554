"""A turn made only of small talk is one moment with one flag: "I just watched a brilliant
film at the weekend, you should see it." recommends a film, not a course of action in the
client's life, so it is not also advice and an intervention without reflection. Advice in
another sentence of the turn keeps its flags."""

from __future__ import annotations

from rapport.transcripts.flags import detect_flags
from tests.transcripts._helpers import ROLES, code, turns_of

OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me today.")] * 5
N = len(OPENING)
CLOSING = [("C", "Okay."), ("T", "Right."), ("C", "Sure."), ("T", "Good."), ("C", "Bye.")] + [
    ("T", "Take care.")
]
CLIENT = "My partner says I've been drinking more since I started working nights."


def _kinds(therapist: str, therapist_code) -> list[str]:
    spoken = [*OPENING, ("C", CLIENT), ("T", therapist), ("C", "Hmm."), *CLOSING]
    codes = [None] * (N + 1) + [therapist_code] + [None] * (len(CLOSING) + 1)
    return sorted(
        f.kind for f in detect_flags(turns_of(*spoken), ROLES, codes) if f.utterance == N + 1
    )


def test_a_turn_of_small_talk_recommending_a_show_is_one_flag():
    for therapist_code in (
        code("therapist_input", "information"),
        code("therapist_input", "advice"),
    ):
        said = "I saw a cracking documentary on Sunday, you should watch it."
        assert _kinds(said, therapist_code) == ["off_topic_small_talk"]


def test_advice_beside_the_small_talk_keeps_its_flags():
    said = "I saw a cracking documentary on Sunday. You need to cut down to two pints a night."
    assert _kinds(said, code("therapist_input", "advice")) == [
        "advice",
        "intervention_without_reflection",
        "off_topic_small_talk",
    ]
