"""Follow-ups from the clinician's review of the flags on sessions other than MI: a couples
therapist's enactment ("Tell him what you just told me.") is not advice, a nurse's or
midwife's label names the clinician, blame hidden behind "I don't know how ..." and "you
know exactly what happens when you drink" is judgement, and "pour everything down the
sink" is an instruction. Each is tested on both sides. Synthetic people only."""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import detect_flags
from rapport.transcripts.parsing import Turn, guess_roles, parse_transcript
from tests.transcripts._helpers import ROLES, code, turns_of

INFORMATION = code("therapist_input", "information")
ADVICE = code("therapist_input", "advice")
REFLECTION = code("reflection", "complex")
NEUTRAL = code("neutral")

# --- 1. Couples enactment ------------------------------------------------------------------

COUPLE_ROLES = {"T": "therapist", "Maya": "client", "Daniel": "client"}


def _couple(said: str) -> list[Turn]:
    spoken = [
        ("T", "Welcome back, both of you."),
        ("Daniel", "I just shut down when she uses that voice with me."),
        ("Maya", "I always thought he walked out because he was done with me."),
        ("T", said),
        ("Maya", "Okay."),
        # Two more turns, so the directive is not in the goodbye (the last two turns).
        ("T", "What was that like to hear?"),
        ("Daniel", "Strange, but good."),
    ]
    return [Turn(i, who, text, None, None) for i, (who, text) in enumerate(spoken)]


def _couple_kinds(said: str, coded) -> list[str]:
    turns = _couple(said)
    codes = [NEUTRAL, NEUTRAL, NEUTRAL, coded, NEUTRAL, code("question", "open"), NEUTRAL]
    return sorted(f.kind for f in detect_flags(turns, COUPLE_ROLES, codes) if f.utterance == 3)


@pytest.mark.parametrize(
    "said",
    [
        "Tell him what you just told me.",
        "Maya, tell him what you need when he walks out.",
        "Could you turn to Maya and tell her that, that you leave to protect things.",
        "Ask her what it was like for her on Saturday.",
        "Now talk to each other about how the break went.",
        "Tell your partner what you just said to me.",
    ],
)
@pytest.mark.parametrize("coded", [REFLECTION, INFORMATION, ADVICE])
def test_directing_a_couple_to_speak_to_each_other_is_no_advice(said, coded):
    assert _couple_kinds(said, coded) == []


def test_advice_beside_an_enactment_is_still_advice_in_a_couples_session():
    said = "Tell him what you just told me. You should stop checking his phone."
    assert "advice" in _couple_kinds(said, INFORMATION)


def test_tell_him_with_one_client_is_still_advice():
    # With one client, "him" is someone outside the room: confronting him is advice.
    spoken = [
        ("C", "My boss keeps giving me the weekend shifts and I'm exhausted."),
        ("T", "Tell him what you just told me."),
        ("C", "Okay."),
        ("T", "What was that like to hear?"),
        ("C", "Strange, but good."),
    ]
    flags = detect_flags(
        turns_of(*spoken), ROLES, [NEUTRAL, REFLECTION, NEUTRAL, code("question", "open"), NEUTRAL]
    )
    assert "advice" in [f.kind for f in flags if f.utterance == 1]


# --- 2. Nurses, midwives, pharmacists and health visitors are the clinician ----------------


@pytest.mark.parametrize(
    "label", ["Nurse", "Midwife", "Pharmacist", "Health visitor", "Practitioner", "Nurse Okafor"]
)
def test_a_clinical_profession_label_names_the_clinician(label):
    # The patient opens and asks the questions, so without the label the patient would be
    # taken for the clinician.
    text = (
        "Aisha: Hello, is this the right room? Can I sit anywhere?\n"
        f"{label}: Yes, take a seat. I'll have a look at the dressing first.\n"
        "Aisha: Will it hurt? How long does it take?\n"
        f"{label}: A little, and about ten minutes.\n"
    )
    transcript = parse_transcript(text.encode(), "consultation.txt")
    roles = guess_roles(transcript)
    assert roles[label] == "therapist"
    assert roles["Aisha"] == "client"


def test_a_client_named_like_a_word_in_a_label_is_not_the_clinician():
    text = (
        "Therapist: How has the week been?\n"
        "Nursel: Not great, I barely slept.\n"
        "Therapist: What kept you awake?\n"
        "Nursel: Worrying about my mum.\n"
    )
    roles = guess_roles(parse_transcript(text.encode(), "session.txt"))
    assert roles == {"Therapist": "therapist", "Nursel": "client"}


# --- 3. Blame behind "I don't know how" and "you know exactly" -----------------------------

DRANK = "I got drunk again on Friday and missed my daughter's school play."


def _judged(said: str, coded=INFORMATION) -> bool:
    flags = detect_flags(turns_of(("C", DRANK), ("T", said)), ROLES, [NEUTRAL, coded])
    return any(f.kind == "judgmental_language" for f in flags)


@pytest.mark.parametrize(
    "said",
    [
        "Honestly, I don't know how you can keep letting her down like this.",
        "I just can't understand how you could let your kids down again.",
        "Again? You know exactly what happens when you drink.",
        "You know full well what will happen if you go to the pub with Dave.",
    ],
)
@pytest.mark.parametrize("coded", [INFORMATION, REFLECTION])
def test_blame_behind_a_negation_or_you_know_exactly_is_judgement(said, coded):
    assert _judged(said, coded)


@pytest.mark.parametrize(
    "said",
    [
        "I don't know how you keep going with all this.",
        "I don't know how you can keep going with everything on your plate.",
        "I honestly don't know how you cope with so much.",
        "You know exactly what happens when you get anxious, which helps us plan for it.",
        "Do you know what happens when you drink?",
        "You know exactly what you want from this.",
        "You feel you keep letting her down.",
    ],
)
def test_empathy_and_self_knowledge_are_not_judgement(said):
    assert not _judged(said)


# --- 4. Instructions: pour, throw away ---------------------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "Good. And pour everything in the house down the sink tonight.",
        "Throw the cigarettes away as soon as you get home.",
        "Just throw it all out.",
        "Get rid of the bottles in the garage.",
    ],
)
@pytest.mark.parametrize("coded", [INFORMATION, REFLECTION])
def test_an_instruction_to_pour_or_throw_away_is_advice(said, coded):
    flags = detect_flags(turns_of(("C", DRANK), ("T", said)), ROLES, [NEUTRAL, coded])
    assert "advice" in [f.kind for f in flags]


@pytest.mark.parametrize(
    "said",
    [
        "You poured everything down the sink last night.",
        "So you threw the bottles away and then felt the urge come back.",
        "It sounds like you had to pour it all out to someone.",
    ],
)
def test_describing_what_the_client_did_is_not_advice(said):
    flags = detect_flags(turns_of(("C", DRANK), ("T", said)), ROLES, [NEUTRAL, REFLECTION])
    assert "advice" not in [f.kind for f in flags]
