"""A therapist who thanks the client for feedback and changes course is repairing, not
intervening.

An exploratory test found "Thank you for telling me that. I'd like to slow down and follow
your lead more." flagged as an intervention without a reflection: the coder reads it as
information. Statements about the therapist's own way of working are exempt
(``repair_statements`` in ``lexicons/advice.json``); advice stays advice.
"""

from __future__ import annotations

import pytest

from rapport.transcripts.flags import Flag, detect_flags
from tests.transcripts._helpers import ROLES, code, turns_of

REPAIR = "Thank you for telling me that. I'd like to slow down and follow your lead more."
FEEDBACK = "Honestly I felt you were pushing me too fast last time and I didn't want to say it."
# The session goes on after the turns under test: its last two turns are the goodbye.
GOODBYE = (("C", "Okay, thanks."), ("T", "See you next week."))


def flags_for(therapist: str, subcode: str = "information", *, then=()) -> list[Flag]:
    spoken = (("T", "How did this week go?"), ("C", FEEDBACK), ("T", therapist), *then)
    codes = [code("question", "open"), code("neutral"), code("therapist_input", subcode)]
    codes += [
        code("neutral") if who == "C" else code("therapist_input", "information") for who, _ in then
    ]
    turns = turns_of(*spoken, *GOODBYE)
    return detect_flags(turns, ROLES, [*codes, code("neutral"), code("other")])


def kinds_at(flags: list[Flag], utterance: int) -> list[str]:
    return [f.kind for f in flags if f.utterance == utterance]


@pytest.mark.parametrize(
    "repair",
    [
        REPAIR,
        "Thank you for telling me that.",
        "Okay. I’d like to slow down and follow your lead more.",  # a typographic apostrophe
        "Thanks for letting me know. Let's go at your pace.",
        "I'm sorry I pushed. We can take it slower.",
        "I appreciate your honesty. I'll check in with you more as we go.",
    ],
)
def test_thanks_for_feedback_and_a_change_of_course_are_no_intervention(repair):
    assert kinds_at(flags_for(repair), 2) == []


def test_a_repair_coded_as_advice_is_not_unsolicited_advice():
    assert kinds_at(flags_for(REPAIR, "advice"), 2) == []


@pytest.mark.parametrize(
    "advice",
    [
        # A thank-you or an apology in front does not make advice a repair (code review).
        "Thanks for letting me know, take your medication.",
        "I'm sorry I have to say it, leave him.",
        "Thank you for telling me that, go to church more.",
        "We could slow down and you could quit smoking.",
    ],
)
def test_advice_after_a_thank_you_or_an_apology_is_still_advice(advice):
    assert "advice" in kinds_at(flags_for(advice, "advice"), 2)


@pytest.mark.parametrize(
    "intervention",
    [
        # Moved on to information in the same sentence, or in the next.
        "Thank you for telling me that, the guideline is fourteen units a week for everyone.",
        "Thank you for telling me that. The guideline is fourteen units a week.",
        # Advice to the client, not the therapist's own way of working.
        "You should slow down and follow your own pace.",
        "I'm sorry, but you need to stop drinking.",
        # A bare acknowledgement repairs nothing: unchanged, it is still flagged.
        "Okay.",
    ],
)
def test_information_or_advice_beside_a_thank_you_is_still_an_intervention(intervention):
    assert "intervention_without_reflection" in kinds_at(flags_for(intervention), 2)


def test_a_repair_does_not_stand_in_for_reflecting_the_client():
    # The repair leaves the client's statement unreflected: information after it, with
    # only an "okay" from the client in between, is still flagged.
    flags = flags_for(
        REPAIR, then=(("C", "Okay."), ("T", "The guideline is fourteen units a week."))
    )
    assert kinds_at(flags, 2) == []
    assert kinds_at(flags, 4) == ["intervention_without_reflection"]
