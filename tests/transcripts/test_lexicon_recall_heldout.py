"""Lexicon recall beyond the phrases first listed, checked on wording written for these tests
(not the acceptance reviewer's probes, which the patterns were broadened from): religious
advice in any faith, changing a dose in any words, small talk about titles of several words,
the weekend, the therapist's trips and the weather, and self-disclosure with "too" or
"myself". The innocent sentences beside them keep the patterns narrow."""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import detect_flags
from tests.transcripts._helpers import ROLES, turns_of

OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me today.")] * 5
N = len(OPENING)
# Six turns: the closing (where small talk is courtesy) is the last six.
CLOSING = [("C", "Okay."), ("T", "Right."), ("C", "Sure."), ("T", "Good."), ("C", "Bye.")] + [
    ("T", "Take care.")
]
# The client's last words share "went", "week" and "night" with some sentences below.
CLIENT = "I went out twice last week and slept better both nights, which surprised me."


def _kinds(therapist: str, client: str = CLIENT) -> list[str]:
    turns = turns_of(*OPENING, ("C", client), ("T", therapist), ("C", "Hmm."), *CLOSING)
    return sorted({f.kind for f in detect_flags(turns, ROLES) if f.utterance == N + 1})


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Why not try the gurdwara on Sunday, it might settle you.", "religious_advice"),
        ("You could go along to the synagogue this Friday.", "religious_advice"),
        ("Go to the temple this weekend and sit with it.", "religious_advice"),
        ("It might help to speak with a rabbi about what happened.", "religious_advice"),
        ("I'd suggest talking to your pastor about the shame.", "religious_advice"),
        ("Allah will lift this weight from you.", "religious_advice"),
        ("The Lord can heal this if you let him in.", "religious_advice"),
        ("Maybe try doubling the dose of your sertraline this week.", "medical_advice"),
        ("I'd be lowering your dosage if I were you.", "medical_advice"),
        ("Just stop those anxiety tablets, they do nothing.", "medical_advice"),
        ("You don't need the sleeping tablets any more.", "medical_advice"),
        ("Did you catch the new Mission Impossible film?", "off_topic_small_talk"),
        ("Have you seen the latest Lord of the Rings series?", "off_topic_small_talk"),
        ("Have you seen that X-Men movie yet?", "off_topic_small_talk"),
        ("Did you watch Strictly Come Dancing last night?", "off_topic_small_talk"),
        ("Are you watching Wimbledon this year?", "off_topic_small_talk"),
        ("Up to anything fun over the bank holiday?", "off_topic_small_talk"),
        ("I was in Portugal last spring, gorgeous beaches.", "off_topic_small_talk"),
        ("I'm flying to Canada next summer to see my cousins.", "off_topic_small_talk"),
        ("Bitterly cold out there today, isn't it?", "off_topic_small_talk"),
        ("It's been really wet this week.", "off_topic_small_talk"),
        ("The rain has been relentless, hasn't it?", "off_topic_small_talk"),
        ("I have anxiety myself, so I understand.", "self_disclosure"),
        ("I've been sober myself for twelve years.", "self_disclosure"),
        ("I was on antidepressants too for a while.", "self_disclosure"),
        ("I had panic attacks at university as well.", "self_disclosure"),
    ],
)
def test_held_out_wording_is_flagged(text, kind):
    assert kind in _kinds(text), text


@pytest.mark.parametrize(
    "text",
    [
        # Faith explored or reflected, and places that are only places.
        "You mentioned the mosque has been a comfort lately.",
        "Your imam sounds like someone you trust.",
        "You've been going to the temple more since your dad died.",
        "The AA meeting in the church hall is on Tuesdays.",
        "You could try the food bank at the church on the corner.",
        # Medication: referrals, questions and the client's own account.
        "Ask your GP whether changing your dose makes sense.",
        "You said you've been cutting your dose yourself.",
        "Has the new dose made any difference?",
        "Cutting your dose on your own can be risky, so talk it through with your GP first.",
        # The weekend, trips and weather about the client's concerns, and the therapist's work.
        "How was the weekend for your mood?",
        "Did you do anything nice at the weekend, like the activity schedule we planned?",
        "Did you watch for the early signs last night, the way we practised?",
        "Did you watch yourself in the mirror last night, like we planned?",
        "I'm going to be away next month, so we'll meet on the 3rd.",
        "I went to a training day last month on exactly this kind of worry.",
        "I was in supervision last week and we talked about how to pace our sessions.",
        "The cold this week must make the walk to the bus harder with your knee.",
        # The therapist's thoughts and their work with others, not their life.
        "I've also been thinking about your anxiety, too.",
        "I've seen depression lift for many clients, and it can for you too.",
        "You have anxiety too, like your mum, and that worries you.",
    ],
)
def test_innocent_therapist_wording_is_not_flagged(text):
    assert _kinds(text) == [], text


def test_the_client_talking_about_their_own_trip_and_the_weather_is_not_flagged():
    client_turns = [
        "I went to Greece last summer and the panic was much better there.",
        "It's been so rainy this week, I haven't left the flat.",
        "I watched the new Star Wars film at the weekend with my son.",
        "I have depression too, like my dad, and I'm in recovery myself.",
    ]
    spoken = [*OPENING]
    for said in client_turns:
        spoken += [("C", said), ("T", "Tell me more about that.")]
    assert detect_flags(turns_of(*spoken, *CLOSING), ROLES) == []


def test_following_the_client_into_their_trip_is_not_small_talk():
    client = "I'm off to Spain next month and I'm dreading the flight."
    assert _kinds("How long is the flight to Spain?", client) == []
