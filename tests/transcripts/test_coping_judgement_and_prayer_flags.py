"""Judging how the client copes, and suggesting prayer, are flagged; their near misses are not.

An exploratory test (a synthetic session about a client who gets off the bus when panic
rises) found "getting off the bus every time is a pretty silly way to deal with it" raised
no judgmental flag and "You might find it helps to pray or meditate before you travel" no
religious-advice flag. Meditation on its own is a secular suggestion (mindfulness) and
stays unflagged.
"""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import Flag, detect_flags
from tests.transcripts._helpers import ROLES, code, turns_of

# Ten untimed turns of greeting (the opening) and six of goodbye (the closing), so the
# turn under test is checked like any turn mid-session.
OPENING = [("T", "Hello."), ("C", "Hi.")] * 5
CLOSING = [("C", "Thanks."), ("T", "See you next week."), ("C", "Bye.")] * 2
N = len(OPENING)
CLIENT = "I get off the bus whenever my chest goes tight, every single time."


def therapist_says(text: str, client_before: str = CLIENT, therapist_code=None) -> list[Flag]:
    turns = turns_of(*OPENING, ("C", client_before), ("T", text), *CLOSING)
    codes = None
    if therapist_code is not None:
        codes = [None] * (N + 1) + [therapist_code] + [None] * len(CLOSING)
    return [f for f in detect_flags(turns, ROLES, codes) if f.utterance == N + 1]


def kinds(flags: list[Flag]) -> list[str]:
    return [f.kind for f in flags]


# --- judging the client's way of coping --------------------------------------------------


def test_the_reported_judgement_is_flagged_with_its_span_reason_and_source():
    text = "Well, getting off the bus every time is a pretty silly way to deal with it."
    (flag,) = therapist_says(text)
    assert flag.kind == "judgmental_language"
    assert flag.text == text
    assert flag.explanation.startswith(
        '"getting off the bus every time is a pretty silly way to deal": '
    )
    assert "MITI 4.2.1" in flag.source


@pytest.mark.parametrize(
    "text",
    [
        "Getting off the bus every time is a pretty silly way to deal with it.",
        "Avoiding the bus is a stupid way of coping.",
        "I think running away from it is a pretty pathetic way to handle it.",
        "Drinking every night is a lazy way of dealing with stress.",
        "Honestly, that's a ridiculous way to cope.",
        "It's a lazy way of dealing with things.",
        "You get off the bus every time, which is a pretty silly way to deal with it.",
        "You've got a pretty stupid way of dealing with stress.",
        "Getting off the bus every time is silly.",
        "Staying in bed all day is lazy.",
        "Worrying about what they think is silly.",
        "Your way of coping is ridiculous.",
        "The way you deal with it is pretty silly.",
        "What you're doing is ridiculous.",
        "You're being silly.",
        "You're silly for feeling that.",
        "That's a silly question.",
    ],
)
def test_judging_how_the_client_copes_or_behaves_is_judgmental(text):
    assert kinds(therapist_says(text)) == ["judgmental_language"]


@pytest.mark.parametrize(
    "text",
    [
        # Reassurance and negation.
        "You're not silly for feeling that.",
        "It's not a silly question.",
        "There's no such thing as a silly question.",
        "I'm not saying that's silly.",
        "I'm not saying getting off the bus is a silly way to deal with it.",
        "Getting off the bus isn't a silly way to deal with it.",
        "Getting off the bus is not a silly way to deal with it.",
        "Nothing you've done is a stupid way to cope.",
        "Asking for help isn't selfish.",
        # The client's view of themselves, or others' view, reflected.
        "You feel silly getting off the bus every time.",
        "You might think you're being silly, but it makes sense.",
        "You worry people think your way of coping is silly.",
        "Your boss said getting off the bus is a silly way to deal with it.",
        "Some people would say that's a silly way to cope, but it makes sense to me.",
        "So for you, getting off the bus is a silly way to deal with it.",
        "You're saying getting off the bus is a silly way to deal with it.",
        "So getting off the bus is a silly way to cope?",
        # Someone else's behaviour, or the situation: siding with the client.
        "Your dad yelling at you is a pretty stupid way to deal with it.",
        "He has a stupid way of dealing with things.",
        "Your manager's reaction was ridiculous.",
        "Having to wait six months is ridiculous.",
        "Waiting six months for an appointment is ridiculous.",
        # The therapist's own exercise or question.
        "Talking to an empty chair can feel a bit silly at first.",
        "It might sound silly, but try saying it out loud.",
        "This is a silly question, but do you drive?",
        "Calling yourself stupid is a pretty harsh way to deal with it.",
        "Getting off the bus every time makes sense when you feel that panic.",
    ],
)
def test_reassurance_reflection_and_siding_with_the_client_are_not_judgmental(text):
    assert therapist_says(text) == []


def test_the_client_calling_their_own_coping_silly_is_not_flagged():
    turns = turns_of(
        *OPENING,
        ("C", "Getting off the bus every time is a pretty silly way to deal with it."),
        ("T", "Mm."),
    )
    assert detect_flags(turns, ROLES) == []


def test_a_reflection_of_the_clients_own_words_is_not_judgmental():
    said = "I know I'm being silly about the bus."
    assert therapist_says("You're being silly.", said, code("reflection", "simple")) == []
    # The same words after a plain statement are the therapist's own judgement.
    assert kinds(therapist_says("You're being silly.", CLIENT, code("reflection", "simple"))) == [
        "judgmental_language"
    ]


# --- suggesting prayer, church, scripture, God -------------------------------------------


def test_the_reported_suggestion_is_flagged_on_prayer_not_meditation():
    text = "You might find it helps to pray or meditate before you travel."
    (flag,) = therapist_says(text)
    assert flag.kind == "religious_advice"
    assert flag.text == text
    assert flag.explanation.startswith('"it helps to pray": ')
    assert "relationship practices" in flag.source


@pytest.mark.parametrize(
    "text",
    [
        "It might help to pray before you travel.",
        "You may want to try praying before you travel.",
        "I'd suggest praying about it.",
        "I'd encourage you to pray.",
        "You could try prayer.",
        "Prayer might help.",
        "Prayer or meditation might help.",
        "Meditation or prayer might help.",
        "It helps to meditate or pray.",
        "You could try meditating or praying.",
        "It might be worth praying about it.",
        "It might help to go to church.",
        "Consider going back to church.",
        "You could talk to God about it.",
        "Just give it to God.",
        "You could lean on your faith.",
        "Reading scripture before bed might help.",
        "Maybe try reading some psalms before bed.",
    ],
)
def test_suggesting_prayer_church_scripture_or_god_is_religious_advice(text):
    assert kinds(therapist_says(text)) == ["religious_advice"]


@pytest.mark.parametrize(
    "text",
    [
        # Meditation and mindfulness are secular clinical suggestions.
        "You might find it helps to meditate before you travel.",
        "Meditation might help.",
        "You could try mindfulness meditation.",
        "Since you like meditation so much, you'd be a great candidate for hypnotherapy.",
        # Exploring or reflecting the client's own practice.
        "You find it helps to pray before you travel.",
        "Do you find it helps to pray?",
        "You said it helps to pray.",
        "It sounds like it helps to pray.",
        "You're wondering whether praying might help.",
        "You're thinking prayer might help.",
        "So it helped to pray when your mum was ill.",
        "Maybe prayer is something that matters to you.",
        "You consider prayer important.",
        "Your church might help with childcare.",
        "Your faith helps you to pray every morning.",
        "I'm not suggesting you pray.",
    ],
)
def test_meditation_and_the_clients_own_faith_are_not_religious_advice(text):
    assert therapist_says(text) == []
