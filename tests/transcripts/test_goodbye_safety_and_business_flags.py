"""False positives found in acceptance: a goodbye coded advice, safety information and the
session's business (confidentiality, rescheduling) flagged as advice or as an intervention
without a reflection, and small talk tied back to the client's problem in the next sentence.
Advice wording stays advice, in the goodbye or beside safety information."""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import detect_flags
from tests.transcripts._helpers import ROLES, code, turns_of

OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me today.")] * 5
N = len(OPENING)
CLIENT = "Things got really bad on Saturday night and I ended up sitting in the car for hours."
INFORMATION = code("therapist_input", "information")
ADVICE = code("therapist_input", "advice")


def _kinds(spoken, codes, at) -> list[str]:
    return sorted(
        f.kind for f in detect_flags(turns_of(*spoken), ROLES, codes) if f.utterance == at
    )


def _goodbye(therapist: str, therapist_code) -> list[str]:
    spoken = [*OPENING, ("C", CLIENT), ("T", therapist), ("C", "Thanks, see you.")]
    codes = [None] * (N + 1) + [therapist_code, None]
    return _kinds(spoken, codes, N + 1)


def test_a_goodbye_coded_advice_is_not_advice():
    goodbye = "Right, we'll carry on with this next time. Look after yourself."
    assert _goodbye(goodbye, ADVICE) == []
    # The same turn before the goodbye is the coder's advice, as before.
    spoken = [*OPENING, ("C", CLIENT), ("T", goodbye), ("C", "Okay."), ("T", "Bye.")]
    assert "advice" in _kinds(spoken, [None] * (N + 1) + [ADVICE, None, None], N + 1)


@pytest.mark.parametrize("therapist_code", [ADVICE, INFORMATION, code("therapist_input", None)])
def test_advice_wording_in_the_goodbye_is_still_advice_and_an_intervention(therapist_code):
    said = "You need to ring your mum tonight and tell her. See you next week."
    assert _goodbye(said, therapist_code) == ["advice", "intervention_without_reflection"]


def _after_client(therapist: str, therapist_code=INFORMATION) -> list[str]:
    spoken = [*OPENING, ("C", CLIENT), ("T", therapist), ("C", "Okay."), ("T", "Bye.")]
    return _kinds(spoken, [None] * (N + 1) + [therapist_code, None, None], N + 1)


@pytest.mark.parametrize(
    "text",
    [
        "If it gets that bad again, ring the Samaritans on 116 123 or go to your nearest A&E.",
        "You can text SHOUT on 85258 whenever you need to, day or night.",
        "Okay. If you ever start to feel unsafe, call 999.",
        "Let's look at your safety plan together before you go.",
    ],
)
def test_safety_information_is_never_advice_or_an_intervention(text):
    assert _after_client(text) == []
    assert _after_client(text, ADVICE) == []


@pytest.mark.parametrize(
    "text",
    [
        "You should know that our sessions are confidential.",
        "What we talk about here stays between us unless I'm worried about your safety.",
        "I'm on leave the week after, so our next session is on the 14th.",
        "We'll meet at the other clinic next time, the one by the station.",
    ],
)
def test_the_sessions_business_is_neither_advice_nor_an_intervention(text):
    assert _after_client(text) == []


def test_advice_beside_safety_information_is_still_advice():
    text = "Call the crisis line if you need to. And you should stop sleeping in the car."
    assert _after_client(text) == ["advice", "intervention_without_reflection"]


def _small_talk(text: str) -> bool:
    spoken = [*OPENING, ("C", CLIENT), ("T", text), *[("C", "Okay."), ("T", "Right.")] * 3]
    return "off_topic_small_talk" in _kinds(spoken, None, N + 1)


def test_small_talk_tied_to_the_clients_problem_in_the_next_sentence_is_not_off_topic():
    assert not _small_talk("How was the trip to Wales? Did the panic ease off while you were away?")
    assert not _small_talk("Lovely weather out there today. How has your mood been with it?")
    # Tied to nothing, it is still small talk, and a tie two sentences on does not count.
    assert _small_talk("How was the trip to Wales? The coast is beautiful there.")
    assert _small_talk("How was the trip to Wales? The coast is beautiful. How's the mood?")
