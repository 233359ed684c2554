"""A suicide risk assessment or safety planning is no question-answer trap and no client
going quiet: direct closed questions about thoughts of ending one's life, a plan, means and
who could help are best practice there (NICE NG225; ``risk.json``). Closed questions about
anything else are still a run."""

from __future__ import annotations

from rapport.transcripts.flags import Flag, detect_flags
from tests.transcripts._helpers import ROLES, code, turns_of

# The first ten turns are the opening, whose greetings are never a quiet client.
OPENING = [("T", "Hello, come in."), ("C", "Hi, thanks for seeing me so soon.")] * 5
CLOSED = code("question", "closed")
OPEN = code("question", "open")

# Written for these tests: a risk assessment whose follow-up questions do not name the risk.
ASSESSMENT = [
    ("C", "Some nights I think my kids would be better off without me."),
    ("T", "I'm going to ask you straight out: are you having thoughts of suicide?"),
    ("C", "Some nights."),
    ("T", "Have you worked out how?"),
    ("C", "No."),
    ("T", "Is there anything at home you've thought of using?"),
    ("C", "Not really."),
    ("T", "Would you tell your GP if it got worse?"),
    ("C", "I think so."),
    ("T", "Who could you ring tonight if the thoughts got louder?"),
    ("C", "My brother."),
]


def _codes(spoken, question=CLOSED):
    return [question if s == "T" else code("neutral") for s, _ in spoken]


def _kinds(spoken, codes, kind) -> list[Flag]:
    return [f for f in detect_flags(turns_of(*spoken), ROLES, codes) if f.kind == kind]


def test_a_risk_assessment_of_closed_questions_is_not_a_closed_question_run():
    assert _kinds(ASSESSMENT, _codes(ASSESSMENT), "closed_question_run") == []


def test_a_reflection_inside_the_assessment_does_not_end_it():
    spoken = [
        *ASSESSMENT[:3],
        ("T", "That sounds frightening to carry on your own."),
        *ASSESSMENT[3:],
    ]
    codes = _codes(spoken)
    codes[3] = code("reflection", "complex")
    assert _kinds(spoken, codes, "closed_question_run") == []


def test_closed_questions_about_other_things_are_still_a_run():
    spoken = [
        ("C", "I've been drinking more since the job went."),
        ("T", "Do you drink every day?"),
        ("C", "Most days."),
        ("T", "Is it mostly beer?"),
        ("C", "Yes."),
        ("T", "Does your partner know how much?"),
        ("C", "No."),
    ]
    (flag,) = _kinds(spoken, _codes(spoken), "closed_question_run")
    assert flag.utterance == 1


def test_closed_questions_before_the_assessment_still_make_a_run():
    before = [
        ("C", "Work has been awful and I'm not sleeping."),
        ("T", "Are you sleeping less than five hours?"),
        ("C", "Yes."),
        ("T", "Is it every night?"),
        ("C", "Most."),
        ("T", "Do you wake early?"),
        ("C", "Yes."),
    ]
    spoken = [*before, *ASSESSMENT]
    (flag,) = _kinds(spoken, _codes(spoken), "closed_question_run")
    assert flag.utterance == 1
    assert flag.explanation.startswith("3 closed questions in a row (turns 2-6)")


def test_the_assessment_ends_at_the_next_open_question():
    after = [
        ("T", "What has been happening with your brother lately?"),
        ("C", "We argue a lot about our dad."),
        ("T", "Do you see him often?"),
        ("C", "Weekly."),
        ("T", "Does he live nearby?"),
        ("C", "Yes."),
        ("T", "Is he married?"),
        ("C", "No."),
    ]
    spoken = [*ASSESSMENT, *after]
    codes = _codes(spoken)
    codes[len(ASSESSMENT)] = OPEN
    (flag,) = _kinds(spoken, codes, "closed_question_run")
    assert flag.utterance == len(ASSESSMENT) + 2


def test_short_answers_in_a_risk_assessment_are_not_a_quiet_client_even_to_open_questions():
    # "Who could you ring tonight...?" is an open question; "My brother." answers it.
    spoken = [*OPENING, ("T", "What brings you today?"), *ASSESSMENT]
    codes = _codes(spoken)
    codes[len(OPENING)] = codes[-2] = OPEN
    # The share of the client's words falls too: the assessment is left out of it.
    assert _kinds(spoken, codes, "client_quiet") == []
    assert _kinds(spoken, None, "client_quiet") == []


def test_short_answers_to_open_questions_about_other_things_are_still_a_quiet_client():
    spoken = [
        *OPENING,
        ("T", "What brings you today?"),
        ("C", "Some nights I think my kids would be better off without me."),
        ("T", "What else has been going on for you?"),
        ("C", "Not much."),
        ("T", "What would you like to be different?"),
        ("C", "Dunno."),
        ("T", "What's it like at home?"),
        ("C", "Fine."),
        ("T", "And at work?"),
        ("C", "Same."),
    ]
    (flag,) = _kinds(spoken, _codes(spoken, OPEN), "client_quiet")
    assert flag.utterance == len(OPENING) + 3
    assert "4 times in a row" in flag.explanation
