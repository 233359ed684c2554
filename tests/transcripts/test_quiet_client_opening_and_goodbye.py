"""The opening's exemption from the quiet-client rule is for greetings: a client who goes
quiet after their first real answer, within the first ten turns, is flagged from where the
quiet began; the goodbye ("Okay.") is not part of the streak, and "Yes, exactly." to a
reflection is the client confirming they were understood."""

from __future__ import annotations

from rapport.transcripts.flags import Flag, detect_flags
from tests.transcripts._helpers import ROLES, code, turns_of

# Written for these tests: the client answers at length once, then stops elaborating.
QUIET_EARLY = [
    ("T", "What would you like to focus on today?"),
    ("C", "My sister and I haven't spoken since the wedding and it's eating at me."),
    ("T", "How did things end between you that day?"),
    ("C", "Badly."),
    ("T", "What do you miss most about her?"),
    ("C", "Can't say."),
    ("T", "What would you want her to know?"),
    ("C", "Not sure."),
    ("T", "What do you make of the silence?"),
    ("C", "No idea."),
    ("T", "What else comes up when you think of her?"),
    ("C", "Nothing."),
]


def _quiet(spoken, codes=None, step=None) -> list[Flag]:
    turns = turns_of(*spoken, step=step)
    return [f for f in detect_flags(turns, ROLES, codes) if f.kind == "client_quiet"]


def test_a_client_going_quiet_in_the_first_ten_turns_is_flagged_from_where_it_began():
    (flag,) = _quiet(QUIET_EARLY)
    assert flag.utterance == 3
    assert flag.text.startswith("Badly. / Can't say.")
    assert "5 times in a row" in flag.explanation


def test_in_a_timed_session_too_the_first_three_minutes_do_not_hide_it():
    (flag,) = _quiet(QUIET_EARLY, step=10)
    assert flag.utterance == 3


def test_short_greetings_before_the_clients_first_real_answer_are_still_courtesy():
    greetings = [
        ("T", "Hi, come on in."),
        ("C", "Hi."),
        ("T", "Did you find the room?"),
        ("C", "Yes, fine."),
        ("T", "Tea?"),
        ("C", "No thanks."),
        ("T", "Have a seat."),
        ("C", "Thanks."),
        ("T", "So, how have things been?"),
        ("C", "Up and down, mostly down since the wedding, to be honest."),
    ]
    assert _quiet(greetings) == []


def test_the_goodbye_is_not_part_of_the_streak():
    spoken = [
        *QUIET_EARLY[:8],
        ("T", "Let's leave it there for today."),
        ("C", "Okay."),
    ]
    # Three short answers and an "Okay." to the goodbye: no streak of four.
    assert _quiet(spoken) == []
    longer = [*QUIET_EARLY, ("T", "Let's leave it there for today."), ("C", "Okay.")]
    (flag,) = _quiet(longer)
    assert flag.text.endswith("No idea. / Nothing.")


def test_confirming_a_reflection_is_not_going_quiet():
    spoken = [
        ("T", "What would you like to focus on today?"),
        ("C", "My sister and I haven't spoken since the wedding and it's eating at me."),
        ("T", "The silence between you is weighing on you."),
        ("C", "Yes, exactly."),
        ("T", "And part of you wants to reach out, part of you is still hurt."),
        ("C", "That's it, yes."),
        ("T", "You miss her."),
        ("C", "Yes. I do."),
        ("T", "It sounds like you'd like to find a way back."),
        ("C", "Right, exactly."),
        ("T", "What might a first step look like?"),
        ("C", "Maybe a letter, something she can read in her own time."),
    ]
    codes = [code("reflection", "simple") if s == "T" else None for s, _ in spoken]
    assert _quiet(spoken, codes) == []
    assert _quiet(spoken) == []


def test_the_goodbye_is_left_out_of_the_share_of_words():
    # "I could try that." before the goodbye is no fall in the client's share of words:
    # without the goodbye, the last third is the client agreeing a first step.
    spoken = [
        ("T", "What would you like to talk about today?"),
        (
            "C",
            "My gambling, I suppose. My brother found out last month and he's furious with "
            "me about it.",
        ),
        ("T", "Your brother finding out has put it in front of you."),
        ("C", "Yes. I'm putting maybe fifty pounds a night on the apps after my shift."),
        ("T", "What might make a change feel doable?"),
        ("C", "Deleting one of the apps first."),
        ("T", "That sounds like a sensible place to begin."),
        ("C", "I could try that."),
        (
            "T",
            "Good. Let's pick it up again next week and see how the first week without it "
            "went. Look after yourself.",
        ),
        ("C", "Thanks, bye."),
    ]
    assert _quiet(spoken) == []
