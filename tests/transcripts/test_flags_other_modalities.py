"""False positives and misses found by a clinician's review of the flags on sessions other
than motivational interviewing (CBT homework, exposure and role-play, a nurse's wound-care
consultation, a session with blame, religious advice and the therapist's own weekend in
it). Each fix is tested on both sides: what a good session in that modality says is no
longer flagged, and the bad practice next to it still is.

Synthetic people only; the fixtures are written for these tests."""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import FlagSettings, detect_flags
from rapport.transcripts.parsing import guess_roles, parse_transcript
from tests.transcripts._helpers import ROLES, code, fixture_bytes, flags_on_one_turn, turns_of

OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me today.")] * 5
N = len(OPENING)
CLOSING = [("C", "I will think about it."), ("T", "Good."), ("C", "Thanks."), ("T", "Bye.")]
INFORMATION = code("therapist_input", "information")
ADVICE = code("therapist_input", "advice")
CLOSED = code("question", "closed")
CLIENT = "When it rains I can't see properly and my heart starts racing on the ring road."


def _kinds_at(spoken, codes, at, settings=None) -> list[str]:
    flags = detect_flags(turns_of(*spoken), ROLES, codes, settings)
    return sorted(f.kind for f in flags if f.utterance == at)


# --- Psychoeducation that says what to expect is not advice -------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "You should expect the anxiety to rise at first. That's the exposure working.",
        "You should start to notice a difference after a couple of weeks.",
        "You should feel a bit better within a few days of starting the dressing.",
        "You should find it gets easier each time you practise.",
    ],
)
@pytest.mark.parametrize("coded", [INFORMATION, code("reflection", "complex")])
def test_saying_what_to_expect_is_not_advice(said, coded):
    assert "advice" not in flags_on_one_turn(CLIENT, said, coded)


@pytest.mark.parametrize(
    "said",
    [
        "You should stop driving in the rain altogether.",
        "You should find a new route to work.",
        "You should feel the fear and do it anyway.",
    ],
)
def test_telling_the_client_what_to_do_with_should_is_still_advice(said):
    assert "advice" in flags_on_one_turn(CLIENT, said, INFORMATION)


# --- The session's own tasks, proposed with "let's" ----------------------------------------


@pytest.mark.parametrize(
    "said",
    [
        "Let's check your blood sugar now while you're here.",
        "Okay, let's look at the thought record you did on Tuesday.",
        "Let's practise the breathing together now.",
    ],
)
def test_a_task_done_in_the_session_is_not_advice(said):
    assert flags_on_one_turn(CLIENT, said, ADVICE) == []


def test_let_us_about_the_clients_life_is_still_advice():
    said = "Let's try cutting down to two drinks a night."
    assert "advice" in flags_on_one_turn(CLIENT, said, ADVICE)


# --- A summary is a reflection -------------------------------------------------------------

SUMMARY = (
    "Let's summarise. You did three thought records, your belief dropped from ninety to "
    "fifty, and this week you will practise sitting in the car in the rain three times. "
    "How does that plan sit with you?"
)


@pytest.mark.parametrize("coded", [ADVICE, INFORMATION])
def test_a_summary_of_the_agreed_plan_is_neither_advice_nor_an_intervention(coded):
    assert flags_on_one_turn(CLIENT, SUMMARY, coded) == []


def test_a_summary_that_tells_the_client_what_to_do_is_advice():
    said = "To sum up, you drink when you're bored. You need to stop drinking completely."
    assert "advice" in flags_on_one_turn(CLIENT, said, ADVICE)


# --- A client's assent to the plan raises nothing to reflect -------------------------------


def _after_reply(reply: str) -> list[str]:
    """The client's reply to a proposal made after a reflection, then information."""
    spoken = [
        *OPENING,
        ("C", CLIENT),
        ("T", "So the rain makes the road feel much more dangerous."),
        ("C", "Yes."),
        ("T", "Could you sit in the parked car for ten minutes when it rains?"),
        ("C", reply),
        ("T", "It's normal for the anxiety to peak and then come down by itself."),
        *CLOSING,
    ]
    codes = [None] * (N + 1) + [code("reflection", "complex"), None, CLOSED, None, INFORMATION]
    return _kinds_at(spoken, codes + [None] * len(CLOSING), N + 5)


@pytest.mark.parametrize(
    "reply", ["Okay. I think I can do that.", "Yes, I'll try that.", "Yes, that's the plan."]
)
def test_information_after_the_clients_assent_is_no_intervention(reply):
    assert _after_reply(reply) == []


@pytest.mark.parametrize(
    "reply",
    ["Yes, but I tried that and it was awful.", "Yes, my dad crashed in the rain once."],
)
def test_information_after_a_new_statement_is_still_an_intervention(reply):
    assert _after_reply(reply) == ["intervention_without_reflection"]


# --- "And if it's not raining?" asks what to do --------------------------------------------


def test_advice_answering_what_if_about_the_homework_is_solicited():
    answer = "Then you can do the dry drive around the estate, without pulling over."
    assert "advice" not in flags_on_one_turn("Yes. And if it's not raining?", answer, ADVICE)
    said = "Yes. It rains a lot round here."
    assert "advice" in flags_on_one_turn(said, answer, ADVICE)


# --- A nurse's medication information is within the nurse's role ---------------------------

PARACETAMOL = (
    "You can take paracetamol regularly, two 500 mg tablets up to four times a day, "
    "no more than eight in 24 hours."
)


def _medical(text: str, settings: FlagSettings | None = None) -> list[int]:
    transcript = parse_transcript(text.encode(), "session.txt")
    roles = guess_roles(transcript)
    flags = detect_flags(transcript.turns, roles, None, settings)
    return [f.utterance for f in flags if f.kind == "medical_advice"]


def test_a_nurses_medication_information_is_not_medical_advice():
    consultation = fixture_bytes("nurse_wound_care.txt").decode()
    assert PARACETAMOL in consultation
    assert _medical(consultation) == []
    # The same words from a counsellor are outside the counsellor's role.
    counselling = consultation.replace("Nurse:", "Counsellor:").replace("Patient:", "Client:")
    assert _medical(counselling) == [26]
    # A caller that knows the clinician's profession says so.
    assert _medical(counselling, FlagSettings(medical_role=True)) == []


# --- A role-play of the client's feared conversation is not the therapist's small talk -----


def _role_play_session() -> tuple[list, dict[str, str]]:
    transcript = parse_transcript(fixture_bytes("cbt_role_play.txt"), "cbt_role_play.txt")
    return transcript.turns, guess_roles(transcript)


def test_small_talk_rehearsed_in_an_announced_role_play_is_not_flagged():
    turns, roles = _role_play_session()
    said = {t.index: t.text for t in turns}
    assert "Any plans for the weekend?" in said[14]
    assert "I went to Italy last summer" in said[32]
    flags = detect_flags(turns, roles, None)
    assert [f for f in flags if f.kind in ("off_topic_small_talk", "self_disclosure")] == []


def test_the_same_small_talk_without_a_role_play_is_flagged():
    turns, roles = _role_play_session()
    unannounced = [
        t.__class__(
            t.index,
            t.speaker,
            t.text.replace("role-play", "chat")
            .replace("I'll play a colleague at the drinks", "Tell me about the drinks")
            .replace("pause", "stop")
            .replace("Let's do it once more", "Let's talk more"),
            t.start,
            t.end,
        )
        for t in turns
    ]
    kinds = [(f.utterance, f.kind) for f in detect_flags(unannounced, roles, None)]
    assert (14, "off_topic_small_talk") in kinds
    assert (32, "off_topic_small_talk") in kinds


def test_the_closed_questions_of_a_role_play_are_no_closed_question_run():
    played = [
        *OPENING,
        ("C", "I froze when someone at work asked about my weekend."),
        ("T", "Let's role-play it. I'll be a colleague at the coffee machine. Ready?"),
        ("C", "Ready."),
        ("T", "Did you have a good weekend?"),
        ("C", "Yes, thanks."),
        ("T", "Did you watch the match?"),
        ("C", "No, I don't follow football."),
        ("T", "Are you going to the drinks on Friday?"),
        ("C", "Maybe."),
        ("T", "Okay, let's pause the role-play there. What did you notice?"),
        ("C", "It was less scary than I thought it would be."),
        *CLOSING,
    ]
    codes = [CLOSED if s == "T" and t.endswith("?") else None for s, t in played]
    codes[N + 1] = INFORMATION
    codes[N + 9] = code("question", "open")
    kinds = {f.kind for f in detect_flags(turns_of(*played), ROLES, codes)}
    assert "closed_question_run" not in kinds
    assert "off_topic_small_talk" not in kinds
    # Without the announcement the same three questions are an interview.
    plain = [(s, "Tell me more." if i == N + 1 else t) for i, (s, t) in enumerate(played)]
    kinds = {f.kind for f in detect_flags(turns_of(*plain), ROLES, codes)}
    assert "closed_question_run" in kinds


def test_a_role_play_without_an_end_lasts_a_bounded_number_of_turns():
    chat = [("T", "Did you watch the match last night?"), ("C", "No, I missed it.")]
    spoken = [
        *OPENING,
        ("T", "Maybe one day we could role-play a job interview."),
        ("C", "Maybe, yes."),
        *chat * 20,
        *CLOSING,
    ]
    flags = detect_flags(turns_of(*spoken), ROLES, None)
    small_talk = [f.utterance for f in flags if f.kind == "off_topic_small_talk"]
    assert small_talk and min(small_talk) > N + FlagSettings().role_play_turns


# --- Blame, religious advice and the therapist's own weekend: misses ---------------------


@pytest.mark.parametrize(
    "said",
    [
        "Well, you did this to yourself.",
        "You've done this to yourself, really.",
        "Nobody forced you to drink on Friday.",
        "Nobody forced the drink down your throat.",
    ],
)
def test_blaming_the_client_is_judgmental(said):
    assert "judgmental_language" in flags_on_one_turn(CLIENT, said, INFORMATION)


@pytest.mark.parametrize(
    "said",
    [
        "So you did it to yourself, the cutting?",
        "It's not that you did this to yourself.",
        "Nobody made you feel welcome there.",
    ],
)
def test_asking_or_siding_with_the_client_is_not_judgmental(said):
    assert "judgmental_language" not in flags_on_one_turn(CLIENT, said, INFORMATION)


def test_a_suggestion_of_church_phrased_as_a_question_is_religious_advice():
    said = "Have you thought about going back to church?"
    assert "religious_advice" in flags_on_one_turn(CLIENT, said, INFORMATION)
    asked = "Have you considered praying about it?"
    assert "religious_advice" in flags_on_one_turn(CLIENT, asked, INFORMATION)
    exploring = "Have you thought about what your faith means to you now?"
    assert "religious_advice" not in flags_on_one_turn(CLIENT, exploring, INFORMATION)


def _mid_session(said: str) -> list[str]:
    """Flags on a therapist turn well clear of the opening and the closing (small talk
    there is courtesy)."""
    middle = [("C", "Right."), ("T", said)]
    spoken = [*OPENING, *middle, *[("C", CLIENT), ("T", "Tell me more.")] * 4]
    return _kinds_at(spoken, [None] * len(spoken), N + 1)


@pytest.mark.parametrize(
    "said",
    [
        "The traffic was a nightmare on the way back.",
        "And then on Sunday we drove down to the coast for lunch.",
        "Anyway, I was at my niece's wedding on Saturday.",
    ],
)
def test_the_therapists_own_weekend_mid_session_is_small_talk(said):
    assert "off_topic_small_talk" in _mid_session(said)


@pytest.mark.parametrize(
    "said",
    [
        "Have you had another nightmare since the fireworks?",
        "You were at the wedding when the panic started.",
        "We drove down to the coast in the exposure last week, and your anxiety was 70.",
    ],
)
def test_the_clients_nightmares_and_outings_are_not_small_talk(said):
    assert "off_topic_small_talk" not in _mid_session(said)
