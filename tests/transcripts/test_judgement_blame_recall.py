"""Blaming the client and contempt are judgmental language; their near misses are not.

An acceptance review found the judgmental-language flag missed rhetorical blame ("what did
you expect would happen?", "why do you let her get to you like that?"). The patterns were
broadened to general forms of blame and contempt; the probes below other than the
reviewer's three are worded apart from them, and the innocent sentences beside them (the
client's own self-criticism reflected, a partner's words quoted, curious questions about
what the client expected) keep the patterns narrow.

"What did you expect from the new job?" is a curious question about the client's hopes and
is not flagged: only the bare rhetorical question ("What did you expect?", "... would
happen?", "what else did you expect") is (docs/transcripts.md).
"""

from __future__ import annotations

import time

import pytest

from rapport.transcripts.flags import Flag, _lexicon_hit, detect_flags, load_lexicon
from tests.transcripts._helpers import ROLES, code, turns_of

OPENING = [("T", "Hello."), ("C", "Hi.")] * 5
CLOSING = [("C", "Thanks."), ("T", "See you next week."), ("C", "Bye.")] * 2
N = len(OPENING)
CLIENT = "My sister rang again on Sunday and I ended up shouting at her, then I stayed in bed."
JUDGMENTAL = "judgmental_language"


def therapist_says(text: str, client_before: str = CLIENT, therapist_code=None) -> list[Flag]:
    turns = turns_of(*OPENING, ("C", client_before), ("T", text), *CLOSING)
    codes = None
    if therapist_code is not None:
        codes = [None] * (N + 1) + [therapist_code] + [None] * len(CLOSING)
    return [f for f in detect_flags(turns, ROLES, codes) if f.utterance == N + 1]


def judged(text: str, **kwargs) -> bool:
    return JUDGMENTAL in [f.kind for f in therapist_says(text, **kwargs)]


# --- the reviewer's examples ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Well, what did you expect would happen?", "Why do you let her get to you like that?"],
)
def test_the_reviewers_rhetorical_blame_is_flagged(text):
    assert judged(text)


def test_an_excuse_and_a_label_coded_as_a_reflection_are_flagged_by_their_wording():
    # The coder called it a reflection, but none of it is the client's own words.
    flags = therapist_says(
        "that's just an excuse. You're being lazy", therapist_code=code("reflection", "complex")
    )
    assert [f.kind for f in flags] == [JUDGMENTAL]
    assert flags[0].text == "that's just an excuse."


def test_the_clients_own_words_reflected_back_are_not_flagged():
    said = "I always give up, every single time, I'm just lazy."
    reflected = code("reflection", "simple")
    assert not judged("You always give up.", client_before=said, therapist_code=reflected)
    assert judged("You always give up.", therapist_code=reflected)


# --- held-out wording: blame and contempt aimed at the client -----------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Honestly, what did you think was going to happen?",
        "I mean, what else did you expect from a man like that?",
        "What do you expect?",
        "Why would you keep letting your flatmate treat you that way?",
        "Why do you let your mum speak to you like that?",
        "Why did you let yourself get so drunk?",
        "Why do you put up with it?",
        "Why do you keep doing this to yourself?",
        "Why can't you just say no to him for once?",
        "How could you do that to your daughter?",
        "You always find some reason not to go to the gym.",
        "You always give up the moment it gets hard.",
        "You always do this when we get close to the hard part.",
        "You never follow through on anything we agree.",
        "You never listen.",
        "You're always complaining about your mother.",
        "It's just an excuse to avoid the phone call.",
        "You're using your back pain as an excuse.",
        "Stop using the kids as an excuse.",
        "Frankly, that's laziness.",
        "You're being so ungrateful.",
        "You sound pretty selfish right now.",
        "You're blowing this way out of proportion.",
        "You're too sensitive.",
        "You're just not trying hard enough.",
        "You should know better by now.",
        "Come on, what's wrong with you?",
        "You've got nobody to blame but yourself.",
        "Well, that serves you right.",
        "You made your bed, now lie in it.",
        "That's what you get for lending him money.",
        "Quit feeling sorry for yourself.",
        "You're the problem here.",
        "Don't you think you're being a bit dramatic?",
    ],
)
def test_held_out_blame_and_contempt_are_flagged(text):
    assert judged(text)


# --- near misses: curiosity, reflections, others' words, siding with the client -----------


@pytest.mark.parametrize(
    "text",
    [
        # the reviewer's innocent cases
        "You're telling yourself you're lazy.",
        "So she says you always forget.",
        "What did you expect from the new job?",
        # curious questions about expectations and choices
        "What did you expect the first week to be like?",
        "What did you expect would happen at the interview, before you went in?",
        "What do you expect the hardest part of the move will be?",
        "Why do you think you let him decide for you?",
        "Why did you let your sister know first?",
        "Why do you let the dog sleep in your bed?",
        "Why do you let yourself rest on Sundays, but not the rest of the week?",
        "How could you have known?",
        "How could you possibly have seen that coming?",
        # always / never that is not blame
        "You always put everyone else first.",
        "You never get a break from the kids.",
        "You never gave up, even when the treatment failed.",
        "You never thought it would happen to you.",
        "You always say that you feel better after a walk.",
        # others' words, the client's fears and self-criticism
        "Your dad always told you that you never try, and it stuck.",
        "Your partner says you never listen.",
        "You worry that you always give up.",
        "You're afraid people will see it as just an excuse.",
        "Part of you thinks you're ungrateful.",
        "You're worried you're blowing it out of proportion.",
        "You feel like you have no one to blame but yourself.",
        "It sounds like you were told you had it coming, and you've carried that.",
        "You were always taught you should be grateful.",
        "So when you say you always mess things up, what does that look like?",
        "So how will you cut down without your mates thinking you look stupid?",
        # spoken quotation of the client's self-talk or of someone else
        "It felt awful, you know, like, how could you be so selfish, putting yourself first.",
        "And your mum was like what did you expect?",
        # judging someone else, a situation, or negated
        "It's not laziness, it's exhaustion.",
        "That's laziness on his part, not yours.",
        "It's just an excuse for him to check your phone.",
        "It's a good excuse to get out of the house.",
        "You're not the problem here.",
        "I don't think you're being dramatic.",
        "Don't you think it's ridiculous that they make you wait six months?",
        "Don't you think you deserve some rest?",
        # affirmations and empathy
        "You're entitled to feel angry about this.",
        "You're so sensitive to how other people feel, it's a real strength.",
        "You should be proud of that.",
        "You're trying really hard.",
        "You're not trying to hurt anyone.",
        "You seem tired today.",
        "You made your own decision, and that took courage.",
        "Did they tell you what's wrong with you medically?",
    ],
)
def test_near_misses_are_not_flagged(text):
    assert not judged(text)


# --- worst case: captions without punctuation are one long sentence ------------------------


@pytest.mark.parametrize(
    "unit",
    [
        "you ",
        "you always you never you're always ",
        "that's just an excuse it is just ",
        "you're using it as ",
        "what did you expect what else ",
        "well honestly so come on what is wrong with you ",
        "don't you think ",
        "you were told you got told being ",
        "she says you never listen ",
    ],
)
def test_a_100_kb_unpunctuated_turn_is_checked_in_linear_time(unit):
    lexicon = load_lexicon("judgmental")
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    started = time.perf_counter()
    _lexicon_hit(lexicon, text)
    # About 0.4 s on a loaded CI core; a quadratic pattern takes minutes.
    assert time.perf_counter() - started < 5.0
