from __future__ import annotations

import dataclasses

import pytest

from rapport.transcripts.flags import (
    FLAG_KINDS,
    LEXICON_DIR,
    SOURCES,
    Flag,
    FlagSettings,
    detect_flags,
    load_lexicon,
)
from rapport.transcripts.parsing import Turn
from tests.transcripts._helpers import ROLES, code, turns_of

# Ten turns: without timestamps the opening (small talk is courtesy there) is ten turns.
OPENING = [
    ("T", "Hello, come in."),
    ("C", "Thanks."),
    ("T", "Take a seat."),
    ("C", "Okay."),
    ("T", "How was the journey?"),
    ("C", "Fine."),
    ("T", "Good."),
    ("C", "Yes."),
    ("T", "Shall we start?"),
    ("C", "Sure."),
]
N = len(OPENING)
# Six turns: without timestamps the closing (goodbyes) is the last six turns.
CLOSING = [
    ("C", "I will think about that."),
    ("T", "Good."),
    ("C", "Thanks for today."),
    ("T", "See you next week."),
    ("C", "See you then."),
    ("T", "Take care."),
]


def kinds(flags: list[Flag]) -> list[str]:
    return [f.kind for f in flags]


def therapist_says(text: str, client_before: str = "I had a rough week at work.") -> list[Flag]:
    """Flags for one therapist turn after the opening, following a client statement."""
    turns = turns_of(*OPENING, ("C", client_before), ("T", text), *CLOSING)
    return [f for f in detect_flags(turns, ROLES) if f.utterance == N + 1]


def test_every_lexicon_has_a_kind_a_source_and_an_explanation():
    for name in (
        "judgmental",
        "medical_advice",
        "religious_advice",
        "self_disclosure",
        "small_talk",
    ):
        lexicon = load_lexicon(name)
        assert lexicon.kind in FLAG_KINDS
        assert lexicon.source and lexicon.explanation and lexicon.patterns is not None


def test_every_source_a_therapist_reads_names_a_work_not_a_file_they_cannot_open():
    # The report shows each flag's source; the team's PRACTICES.md is not shipped.
    names = [p.stem for p in LEXICON_DIR.glob("*.json")]
    sources = [load_lexicon(name).source for name in names] + list(SOURCES.values())
    assert len(sources) >= 9
    for source in sources:
        assert ".md" not in source, source


def test_a_flag_is_frozen_and_carries_turn_timing_text_explanation_and_source():
    turns = turns_of(
        *OPENING, ("C", "I forgot again."), ("T", "You should have known better."), step=60
    )
    (flag,) = detect_flags(turns, ROLES)
    assert flag.kind == "judgmental_language"
    assert (flag.utterance, flag.start, flag.end) == (N + 1, 660.0, 720.0)
    assert flag.text == "You should have known better."
    assert "blaming or labelling" in flag.explanation and "MITI 4.2.1" in flag.source
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.kind = "other"  # type: ignore[misc]


# --- judgmental language -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "You should have known better than that.",
        "Honestly, that's stupid.",
        "You're just being lazy.",
        "Well, it's your own fault.",
        "What were you thinking?",
        "You only have yourself to blame.",
        "Just get over it.",
        "You need to grow up.",
        "Come on, you need to stop being so dramatic.",
        "You're acting like a child.",
        "Frankly you're a bad parent when you shout like that.",
        "You clearly don't care about your kids.",
        "That was a selfish choice.",
        "Only a weak person would give up like that.",
    ],
)
def test_blaming_or_labelling_the_client_is_judgmental(text):
    assert kinds(therapist_says(text)) == ["judgmental_language"]


@pytest.mark.parametrize(
    "text",
    [
        "It's not your fault.",
        "That wasn't your fault at all.",
        "I don't think you're lazy.",
        "You feel it's your fault.",
        "Your boss called you lazy, and that stung.",
        "You're worried people think you're selfish.",
        "You've been working so hard.",
        "So you want your son to grow up somewhere safe.",
        "You're a good parent, and this is hard.",
        "You care about your kids a lot.",
    ],
)
def test_reassurance_negation_and_reflecting_others_words_are_not_judgmental(text):
    assert therapist_says(text) == []


def test_a_reflection_echoing_the_clients_own_label_is_not_judgmental():
    turns = turns_of(
        *OPENING, ("C", "I'm just lazy, that's all."), ("T", "You're lazy, that's all.")
    )
    codes = [None] * (N + 1) + [code("reflection", "simple")]
    assert detect_flags(turns, ROLES, codes) == []


@pytest.mark.parametrize(
    "text",
    [
        "Part of you believes it's your fault, and another part knows how hard those three "
        "weeks were.",
        "You keep telling yourself you should have known better.",
        "What were you thinking about just before you had the first drink?",
        "There's no excuse for what he did to you.",
        "That was really selfish of your brother.",
        "It's unacceptable that your manager spoke to you that way.",
        "It's ridiculous that you have to wait six months for an appointment.",
        "It sounds like people keep telling you to get over it.",
        "Everyone expects you to just snap out of it",
        "You're really hopeless about things changing right now.",
        "It's a ridiculous thing to ask of anyone, a six-month wait.",
        "I don't want you to just get over it.",
    ],
)
def test_empathic_reflections_and_siding_with_the_client_are_not_judgmental(text):
    assert therapist_says(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "You're being lazy.",
        "That's an excuse.",
        "What were you thinking?!",
        "That was selfish of you.",
        "There's no excuse for this.",
        "You're hopeless.",
        "What were you thinking when you got in the car after six beers?",
        "That was a stupid thing to do.",
        "Why don't you just get over it?",
    ],
)
def test_judging_the_client_themselves_is_still_judgmental(text):
    assert kinds(therapist_says(text)) == ["judgmental_language"]


def test_a_reflection_of_the_clients_own_judgement_is_not_judgmental():
    # "You're being lazy" repeats the client's own word: their view of themselves,
    # reflected. After a plain statement, the same words coded as a reflection are the
    # therapist's judgement (the coder reads most "you're ..." sentences as reflections).
    as_reflection = [None] * (N + 1) + [code("reflection", "complex")]
    echoed = [*OPENING, ("C", "I'm so lazy, I just sit on the sofa."), ("T", "You're being lazy.")]
    judged = [*OPENING, ("C", "I just sit on the sofa all day."), ("T", "You're being lazy.")]
    assert "judgmental_language" not in kinds(detect_flags(turns_of(*echoed), ROLES, as_reflection))
    assert "judgmental_language" in kinds(detect_flags(turns_of(*judged), ROLES, as_reflection))


def _flags_after(client: str, therapist: str, therapist_code) -> list[str]:
    turns = turns_of(*OPENING, ("C", client), ("T", therapist), *CLOSING)
    codes = [None] * (N + 1) + [therapist_code] + [None] * len(CLOSING)
    return kinds([f for f in detect_flags(turns, ROLES, codes) if f.utterance == N + 1])


def test_advice_is_found_by_its_wording_whatever_sub_code_the_coder_gave():
    # The coder's advice sub-code is its weakest call: most advice comes out "information",
    # and "my advice is ..." can come out a reflection.
    information = code("therapist_input", "information")
    reflection = code("reflection", "simple")
    said = "I have been so tired at work."
    assert "advice" in _flags_after(said, "You should go to the gym every morning.", information)
    assert "advice" in _flags_after(said, "My advice is to quit your job.", reflection)
    assert "advice" in _flags_after(said, "If I were you, I'd move out of that flat.", reflection)
    # An instruction is not a reflection, whatever the coder says.
    beer = "I keep buying beer on the way home."
    assert "advice" in _flags_after(beer, "Okay. Just stop buying beer.", reflection)
    assert "advice" in _flags_after(beer, "Try not to walk past the shop.", reflection)
    assert "advice" not in _flags_after(beer, "You want to stop buying beer.", reflection)
    # Missed until an exploratory test (2026-12-06), each coded a reflection.
    friends = "My friends never call me any more."
    for advice in (
        "You should find new friends.",
        "You need to find new friends then.",
        "I'd recommend finding new friends.",
        "So call her tonight and tell her.",
        "Honestly, you should have said something months ago.",
    ):
        assert "advice" in _flags_after(friends, advice, reflection), advice
    assert "advice" not in _flags_after(
        friends, "You feel you should find new friends.", reflection
    )
    assert "advice" not in _flags_after(beer, "Stop me if I'm wrong: it's the habit.", reflection)
    # Reflected wishes and plain information are not advice.
    assert "advice" not in _flags_after(said, "You feel you should rest more.", reflection)
    assert "advice" not in _flags_after(said, "Tiredness is common after a move.", information)


def test_naming_the_clients_medicine_does_not_make_medical_advice_a_reflection():
    reflection = code("reflection", "simple")
    numb = "My sertraline makes me feel numb and flat."
    assert "medical_advice" in _flags_after(numb, "Stop taking your sertraline.", reflection)
    # The whole phrase is the client's own: their wish, reflected.
    wish = "I want to stop taking my sertraline."
    assert "medical_advice" not in _flags_after(
        wish, "You want to stop taking your sertraline.", reflection
    )


def test_the_therapists_own_story_is_self_disclosure_even_after_the_same_words():
    said = "I went through a divorce two years ago and it broke me."
    own = "I went through a divorce myself, I know how you feel."
    assert "self_disclosure" in _flags_after(said, own, code("reflection", "simple"))


def test_the_client_judging_themselves_is_not_flagged():
    turns = turns_of(*OPENING, ("C", "That was stupid of me, it's my own fault."), ("T", "Mm."))
    assert detect_flags(turns, ROLES) == []


# --- medical and religious advice --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Just stop taking them for a week.",
        "Try 50 mg at night instead.",
        "You could take some melatonin before bed.",
        "You don't need those antidepressants.",
        "Double your dose when it gets bad.",
        # Missed until an exploratory test (2026-12-06): a dose after "taking", a named
        # prescription drug, asking the GP to prescribe.
        "Try taking 50mg of sertraline.",
        "You should take sertraline every morning.",
        "Ask your GP to prescribe it.",
    ],
)
def test_directives_about_medication_are_medical_advice(text):
    assert kinds(therapist_says(text)) == ["medical_advice"]


@pytest.mark.parametrize(
    "text",
    [
        "How many mg are you taking now?",
        "It may be worth asking your GP whether to reduce the dose.",
        "You said you want to stop taking them.",
        "Don't stop taking anything without talking to your doctor.",
        "You're thinking about coming off your medication.",
        "You can pick up your medicine on the way out.",
        "You've been taking sertraline for a year now.",
        "You said your GP wants to switch you to sertraline.",
    ],
)
def test_questions_referrals_and_reflections_about_medication_are_not_medical_advice(text):
    assert therapist_says(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Try to stop taking it personally when he criticises you.",
        "Maybe it's time to stop taking on everyone else's problems.",
        "You could stop taking the bus and walk to work instead.",
        "I'm not saying you should stop taking your medication.",
        "I would never tell you to stop taking your tablets.",
        "Reducing the dose is something to discuss with your GP.",
        "Talk to your GP about whether to come off the sertraline.",
    ],
)
def test_other_things_to_stop_taking_negations_and_referrals_are_not_medical_advice(text):
    assert therapist_says(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "You should ask your GP to up your sertraline.",
        "Forget what your doctor says, just stop taking the pills.",
        "You don't need a psychiatrist, just take some melatonin.",
        "Maybe come off the sertraline for a while.",
        "Double your venlafaxine and see how you feel.",
        "You don't need the fluoxetine any more.",
        "Cut down on the diazepam.",
        "Just stop taking the pills for a week, okay?",
        "Cut down your meds a bit, yeah?",
        "Stop taking the lorazepam, don't you think?",
        "Increase your quetiapine at night, right?",
    ],
)
def test_named_psychotropics_bare_doctor_mentions_and_tagged_directives_are_medical_advice(
    text,
):
    assert kinds(therapist_says(text)) == ["medical_advice"]


def test_the_client_describing_their_dose_is_not_medical_advice():
    turns = turns_of(*OPENING, ("C", "I take 20 mg and want to stop taking it."), ("T", "Okay."))
    assert detect_flags(turns, ROLES) == []


@pytest.mark.parametrize(
    "text",
    [
        "You should pray about it.",
        "God wants you to forgive him.",
        "It's all part of God's plan.",
        "Maybe you should go back to church.",
        "Put it in God's hands.",
        "You should go back to church.",
        "You could try going to mass on Sunday.",
        "Go back to church.",
        "I think you need to find Jesus.",
        "Reading the Bible every night would help you.",
        "You need to ask God for forgiveness.",
        "Faith will get you through this.",
    ],
)
def test_prescribing_faith_is_religious_advice(text):
    assert kinds(therapist_says(text)) == ["religious_advice"]


@pytest.mark.parametrize(
    "text",
    [
        "Does your faith help you at times like this?",
        "You find that praying gives you some peace.",
        "Your pastor has been a support to you.",
        "You said God's plan is hard to see right now.",
    ],
)
def test_exploring_or_reflecting_the_clients_faith_is_not_religious_advice(text):
    assert therapist_says(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Why don't you pray about it?",
        "Why don't you go back to church?",
        "Have you tried praying about it?",
    ],
)
def test_suggesting_faith_as_a_question_is_still_religious_advice(text):
    assert kinds(therapist_says(text)) == ["religious_advice"]


def test_a_suggestion_phrased_as_a_question_is_still_medical_advice():
    assert kinds(therapist_says("Why don't you take some melatonin?")) == ["medical_advice"]


@pytest.mark.parametrize(
    "text",
    [
        "It sounds like you really trust God to see you through this.",
        "You trust God to see you through.",
        "Have you tried talking to your sister about it?",
    ],
)
def test_reflecting_the_clients_trust_in_god_is_not_religious_advice(text):
    assert therapist_says(text) == []


# --- self-disclosure ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "When I went through my divorce, I felt the same.",
        "I also struggled with that at your age.",
        "I've been through something similar.",
        "The same thing happened to me.",
        "I used to drink a lot myself.",
    ],
)
def test_the_therapist_telling_their_own_story_is_self_disclosure(text):
    assert kinds(therapist_says(text)) == ["self_disclosure"]


@pytest.mark.parametrize(
    "text",
    [
        "I'm moved by what you just said.",
        "I also wonder what your sister would say.",
        "You said 'my husband left' very quietly.",
        "I hear how hard this has been.",
    ],
)
def test_self_involving_statements_and_quotes_are_not_self_disclosure(text):
    assert therapist_says(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "I went through a divorce myself, so I get it.",
        "I went through the same thing with my dad.",
        "I've been there myself.",
        "I'm a recovering alcoholic too.",
        "Personally, I found that quitting cold turkey worked for me.",
        "My own father drank a lot when I was growing up.",
        "I know how that feels, I lost my mother last year.",
        "I had panic attacks for years, so I get it.",
        "I was depressed for a long time after college.",
        "I support Arsenal too.",
    ],
)
def test_more_ways_of_telling_ones_own_story_are_self_disclosure(text):
    assert kinds(therapist_says(text)) == ["self_disclosure"]


@pytest.mark.parametrize(
    "text",
    [
        "When I went through my notes from last week, I noticed you mentioned your sister.",
        "When I was going through your questionnaire, I saw you ticked most days.",
        "I also had a call from your social worker this morning.",
        "I've dealt with anxiety with lots of clients.",
        "I lost my train of thought there.",
        "I was anxious to hear how the week went.",
    ],
)
def test_the_therapists_work_is_not_self_disclosure(text):
    assert therapist_says(text) == []


# --- small talk --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Did you see the football match last night?",
        "Lovely weather we're having.",
        "Any holiday plans this summer?",
        "I just watched a great film on Netflix.",
        "Are you going to the fireworks on Saturday?",
        "How was your trip to Spain?",
        "Any plans for the weekend?",
        "Do you follow football at all?",
        "Are you going anywhere nice for the holidays?",
        "Who do you think will win the World Cup?",
        "What did you think of the Oscars?",
        "Did you hear the Lakers won last night?",
        "So what are you watching on TV these days?",
        # Missed until an exploratory test (2026-12-06).
        "Did you see the football last night?",
        "Did you watch the Champions League final? What a game.",
        "What a game on Saturday!",
        "How about that weather, eh? Lovely sunny day.",
        "You should watch the new Bond film, it's brilliant.",
    ],
)
def test_therapist_small_talk_after_the_opening_is_flagged(text):
    assert kinds(therapist_says(text)) == ["off_topic_small_talk"]


def test_small_talk_in_the_opening_turns_is_courtesy():
    turns = turns_of(("T", "Lovely weather today, isn't it?"), ("C", "It is."), ("T", "Come in."))
    assert detect_flags(turns, ROLES) == []


def test_small_talk_in_the_first_three_minutes_is_courtesy_even_after_ten_turns():
    spoken = [*OPENING, ("C", "So."), ("T", "Did you see the football match last night?")]
    spoken += CLOSING * 2
    assert detect_flags(turns_of(*spoken, step=15.0), ROLES) == []  # starts at 165 s
    flagged = detect_flags(turns_of(*spoken, step=20.0), ROLES)  # starts at 220 s
    assert kinds(flagged) == ["off_topic_small_talk"]


def test_with_timestamps_the_opening_is_three_minutes_from_the_first_turn():
    spoken = [("T", "Hello, come in."), ("C", "Thanks."), ("C", "So.")]
    spoken += [("T", "Did you see the football match last night?"), ("C", "I did.")]
    spoken += [("T", "Let's get back to the drinking.")] * 8
    wall_clock = [  # a transcript timed by the clock: [14:00:00] is 50,400 s
        Turn(i, s, text, 50_400.0 + 100.0 * i, None) for i, (s, text) in enumerate(spoken)
    ]
    assert kinds(detect_flags(wall_clock, ROLES)) == ["off_topic_small_talk"]  # at 300 s
    early = [Turn(t.index, t.speaker, t.text, 50_400.0 + 50.0 * t.index, None) for t in wall_clock]
    assert detect_flags(early, ROLES) == []  # at 150 s


def test_without_timestamps_the_opening_is_the_first_ten_turns():
    late = turns_of(*OPENING, ("C", "So."), ("T", "Any holiday plans this summer?"), *CLOSING)
    assert kinds(detect_flags(late, ROLES)) == ["off_topic_small_talk"]
    early = turns_of(*OPENING[:8], ("C", "So."), ("T", "Any holiday plans this summer?"))
    assert detect_flags(early, ROLES) == []


def test_small_talk_in_the_closing_turns_is_courtesy():
    spoken = [*OPENING, ("C", "I will try the diary this week.")]
    spoken += [("T", "Good plan."), ("C", "Thanks."), ("T", "Any holiday plans this summer?")]
    assert detect_flags(turns_of(*spoken, ("C", "Not really."), ("T", "Bye.")), ROLES) == []


def test_the_closing_is_counted_in_turns_even_in_a_timed_session():
    spoken = [*OPENING, ("C", "So."), ("T", "Any holiday plans this summer?"), *CLOSING]
    assert kinds(detect_flags(turns_of(*spoken, step=30.0), ROLES)) == ["off_topic_small_talk"]
    assert detect_flags(turns_of(*spoken[:-1], step=30.0), ROLES) == []


def test_the_opening_window_is_configurable():
    turns = turns_of(*OPENING, ("C", "So."), ("T", "Any holiday plans this summer?"), *CLOSING)
    settings = FlagSettings(opening_turns=12)
    assert detect_flags(turns, ROLES, settings=settings) == []


@pytest.mark.parametrize(
    "text",
    [
        "We'll weather the storm together.",
        "It sounds like you're trying to weather the storm.",
        "What would you do with a free weekend?",
    ],
)
def test_figures_of_speech_are_not_small_talk(text):
    assert therapist_says(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Have you ever been to therapy before?",
        "Have you ever been to an AA meeting?",
        "What are your weekend plans, and where might drinking come up?",
        "It sounds like there could be some fireworks with your brother.",
        "Fireworks can be a trigger for a lot of veterans.",
        "You've been binge-watching until 3am and then you can't get up.",
    ],
)
def test_history_taking_figures_of_speech_and_the_clients_concerns_are_not_small_talk(text):
    assert therapist_says(text, client_before="I have not been sleeping much at all.") == []


@pytest.mark.parametrize(
    "text",
    [
        "I just got back from Spain, it was amazing.",
        "Did you watch the Oscars?",
        "Are you going away this summer?",
    ],
)
def test_trips_and_awards_shows_are_small_talk(text):
    assert kinds(therapist_says(text)) == ["off_topic_small_talk"]


def test_following_the_client_into_a_film_they_raised_is_not_small_talk():
    flags = therapist_says(
        "Did you see the film with your dad?", client_before="I watched a film that made me cry."
    )
    assert flags == []


def test_the_client_talking_about_a_film_is_not_the_therapists_small_talk():
    turns = turns_of(
        *OPENING, ("C", "Did you see the football match last night? I just watched a great film.")
    )
    assert detect_flags(turns, ROLES) == []


# --- advice --------------------------------------------------------------------------------


def _advice_session(client_text: str, therapist_text: str, subcode: str | None = "advice"):
    turns = turns_of(*OPENING, ("C", client_text), ("T", therapist_text))
    codes = [None] * (N + 1) + [code("therapist_input", subcode)]
    return [f for f in detect_flags(turns, ROLES, codes) if f.kind == "advice"]


def test_advice_the_client_did_not_ask_for_is_flagged():
    (flag,) = _advice_session("My evenings are so empty.", "You should join a gym.")
    assert flag.utterance == N + 1 and "Persuade" in flag.source


def test_advice_the_client_asked_for_is_not_flagged():
    assert _advice_session("What should I do about the evenings?", "You could join a gym.") == []


def test_a_question_mark_in_the_clients_turn_is_not_a_request_for_advice():
    flags = _advice_session(
        "I've been drinking every single night since I lost my job, you know?",
        "You need to stop drinking.",
    )
    assert [f.utterance for f in flags] == [N + 1]


def test_only_the_clients_last_turn_can_ask_for_the_advice():
    turns = turns_of(
        *OPENING,
        ("C", "Can we finish five minutes early today?"),
        ("T", "Of course."),
        ("C", "I drink every night now and I hate it."),
        ("T", "You need to stop drinking."),
    )
    codes = [None] * (N + 3) + [code("therapist_input", "advice")]
    flags = [f for f in detect_flags(turns, ROLES, codes) if f.kind == "advice"]
    assert [f.utterance for f in flags] == [N + 3]


@pytest.mark.parametrize(
    "request_", ["I don't know what to do about the evenings.", "So can I cut down slowly?"]
)
def test_advice_the_client_asked_for_in_their_last_turn_is_not_flagged(request_):
    assert _advice_session(request_, "You could cut down a drink a week.") == []


def test_advice_after_asking_permission_is_not_flagged():
    turns = turns_of(
        *OPENING,
        ("C", "My evenings are so empty."),
        ("T", "Would it be okay if I shared an idea some people find useful?"),
        ("C", "Sure."),
        ("T", "Some people join a gym."),
    )
    codes = [None] * (N + 1) + [
        code("question", "closed"),
        code("neutral"),
        code("therapist_input", "advice"),
    ]
    assert [f for f in detect_flags(turns, ROLES, codes) if f.kind == "advice"] == []


def test_advice_that_leaves_the_choice_to_the_client_is_not_flagged():
    flags = _advice_session("My evenings are so empty.", "A class might help, but it's up to you.")
    assert flags == []


def test_information_is_not_advice():
    assert _advice_session("My evenings are empty.", "Gyms open late here.", "information") == []


def test_without_a_subcode_advice_is_recognised_by_its_wording():
    assert len(_advice_session("My evenings are empty.", "You need to get out more.", None)) == 1
    assert _advice_session("My evenings are empty.", "Gyms open late here.", None) == []


# --- intervention without reflection -------------------------------------------------------


# The session goes on after the turns under test: its last two turns are the goodbye.
GOODBYE = (("C", "Okay, thanks."), ("T", "See you next week."))


def _iwr(*spoken, codes, goodbye=GOODBYE) -> list[Flag]:
    turns = turns_of(*spoken, *goodbye)
    codes = [*codes, *([code("neutral"), code("other")] if goodbye else [])]
    return [
        f for f in detect_flags(turns, ROLES, codes) if f.kind == "intervention_without_reflection"
    ]


def test_the_goodbye_is_no_intervention():
    spoken = (
        ("C", "I drink maybe six beers most nights."),
        ("T", "So drinking has become part of most evenings."),
        ("C", "Thanks, see you next week then, I have to run."),
        ("T", "Let's pick this up next week. Take care."),
    )
    codes = [code("neutral"), code("reflection", "simple"), code("neutral")]
    closing = code("therapist_input", "information")
    assert _iwr(*spoken, codes=[*codes, closing], goodbye=()) == []
    # The same turn before the end of the session is flagged.
    assert [f.utterance for f in _iwr(*spoken, codes=[*codes, closing])] == [3]


def test_information_straight_after_a_client_statement_is_flagged():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "The guideline is fourteen units a week."),
        codes=[code("neutral"), code("therapist_input", "information")],
    )
    assert [f.utterance for f in flags] == [1]


def test_a_reflection_before_the_information_is_not_flagged():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "Most nights, it's become a habit."),
        ("C", "Yeah."),
        ("T", "The guideline is fourteen units a week."),
        codes=[
            code("neutral"),
            code("reflection", "simple"),
            code("neutral"),
            code("therapist_input", "information"),
        ],
    )
    assert flags == []


def test_a_reflection_opening_the_same_turn_counts():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "It sounds like it has crept up on you. The guideline is fourteen units a week."),
        codes=[code("neutral"), code("therapist_input", "information")],
    )
    assert flags == []


def test_answering_the_clients_question_directly_is_not_flagged():
    flags = _iwr(
        ("C", "How much is too much for someone like me?"),
        ("T", "The guideline is fourteen units a week."),
        codes=[code("neutral"), code("therapist_input", "information")],
    )
    assert flags == []


def test_a_long_run_of_information_is_flagged_once_per_client_statement():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "The guideline is fourteen units a week."),
        ("C", "Mm-hmm."),
        ("T", "And a beer is about two units."),
        codes=[
            code("neutral"),
            code("therapist_input", "information"),
            code("neutral"),
            code("therapist_input", "information"),
        ],
    )
    assert [f.utterance for f in flags] == [1]


@pytest.mark.parametrize("consent", ["Yes, that would be really helpful.", "Sure."])
def test_information_given_with_permission_is_not_flagged(consent):
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "Would it be okay if I shared what the guidelines say?"),
        ("C", consent),
        ("T", "The guideline is fourteen units a week."),
        codes=[
            code("neutral"),
            code("question", "closed"),
            code("neutral"),
            code("therapist_input", "information"),
        ],
    )
    assert flags == []


def test_information_after_the_client_confirms_a_reflection_is_not_flagged():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "It has become part of every evening."),
        ("C", "Yes, that's exactly it."),
        ("T", "The guideline is fourteen units a week."),
        codes=[
            code("neutral"),
            code("reflection", "simple"),
            code("neutral"),
            code("therapist_input", "information"),
        ],
    )
    assert flags == []


def test_a_new_statement_after_a_reflection_still_needs_its_own_reflection():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "It has become part of every evening."),
        ("C", "Yes, and my wife says I get nasty when I have had a few."),
        ("T", "The guideline is fourteen units a week."),
        codes=[
            code("neutral"),
            code("reflection", "simple"),
            code("neutral"),
            code("therapist_input", "information"),
        ],
    )
    assert [f.utterance for f in flags] == [3]


def test_agreeing_with_a_question_that_is_not_permission_does_not_solicit_information():
    flags = _iwr(
        ("C", "I drink maybe six beers most nights."),
        ("T", "Is that every night of the week?"),
        ("C", "Yes, pretty much every single night."),
        ("T", "The guideline is fourteen units a week."),
        codes=[
            code("neutral"),
            code("question", "closed"),
            code("neutral"),
            code("therapist_input", "information"),
        ],
    )
    assert [f.utterance for f in flags] == [3]


# --- closed questions ----------------------------------------------------------------------


def test_three_closed_questions_in_a_row_are_one_run_despite_client_answers():
    spoken = [
        ("T", "Do you drink?"),
        ("C", "Yes."),
        ("T", "Every day?"),
        ("C", "No."),
        ("T", "Is it beer?"),
        ("C", "Mostly."),
        ("T", "Does your wife mind?"),
        ("C", "A bit."),
    ]
    codes = [code("question", "closed") if s == "T" else code("neutral") for s, _ in spoken]
    flags = [
        f for f in detect_flags(turns_of(*spoken), ROLES, codes) if f.kind == "closed_question_run"
    ]
    assert len(flags) == 1
    assert flags[0].utterance == 0
    assert flags[0].explanation.startswith("4 closed questions in a row (turns 1-7)")
    assert flags[0].text.startswith("Do you drink? / Every day?")


def test_an_open_question_or_reflection_breaks_the_run():
    spoken = [
        ("T", "Do you drink?"),
        ("C", "Yes."),
        ("T", "Every day?"),
        ("C", "No."),
        ("T", "What do you enjoy about it?"),
        ("C", "It relaxes me."),
        ("T", "Is it beer?"),
    ]
    codes = [
        code("question", "closed"),
        code("neutral"),
        code("question", "closed"),
        code("neutral"),
        code("question", "open"),
        code("neutral"),
        code("question", "closed"),
    ]
    assert "closed_question_run" not in kinds(detect_flags(turns_of(*spoken), ROLES, codes))


# --- client quiet --------------------------------------------------------------------------


def test_four_very_short_client_turns_in_a_row_are_a_quiet_client():
    spoken = [
        *OPENING,
        ("T", "What happened?"),
        ("C", "Nothing."),
        ("T", "Nothing?"),
        ("C", "I guess."),
        ("T", "And work?"),
        ("C", "Fine."),
        ("T", "Home?"),
        ("C", "Same as usual."),
    ]
    flags = [f for f in detect_flags(turns_of(*spoken), ROLES) if f.kind == "client_quiet"]
    assert [f.utterance for f in flags] == [N + 1]
    assert "fewer than 4 words 4 times in a row" in flags[0].explanation


def test_three_short_answers_are_not_a_quiet_client():
    spoken = [
        ("T", "What happened?"),
        ("C", "Nothing."),
        ("T", "Nothing?"),
        ("C", "I guess."),
        ("T", "And work?"),
        ("C", "Fine."),
        ("T", "Home?"),
        ("C", "Home is where it all started."),
    ]
    assert detect_flags(turns_of(*spoken), ROLES) == []


def test_a_falling_share_of_client_words_is_a_quiet_client():
    long = "I have been thinking a lot about what happened with my brother this month"
    spoken = [
        ("T", "Tell me."),
        ("C", long),
        ("T", "Go on."),
        ("C", long),
        ("T", "Yes."),
        ("C", long),
        ("T", "So that matters a great deal to you and to your family as a whole."),
        ("C", long),
        ("T", "It sounds like it is still painful to think about and you want it resolved."),
        ("C", "I suppose it is."),
        ("T", "And I wonder what you think might happen next with your brother and you."),
        ("C", "Not sure, really."),
    ]
    flags = [f for f in detect_flags(turns_of(*spoken), ROLES) if f.kind == "client_quiet"]
    assert len(flags) == 1
    assert flags[0].utterance == 9
    assert "fell from" in flags[0].explanation


def _quiet(spoken, codes=None) -> list[Flag]:
    return [f for f in detect_flags(turns_of(*spoken), ROLES, codes) if f.kind == "client_quiet"]


def test_greetings_in_the_opening_are_not_a_quiet_client():
    spoken = [
        ("T", "Hi, come in."),
        ("C", "Hi."),
        ("T", "Find us all right?"),
        ("C", "Yes, fine."),
        ("T", "Coffee?"),
        ("C", "No thanks."),
        ("T", "Right, take a seat."),
        ("C", "Thanks."),
        ("T", "What would you like to talk about today?"),
        ("C", "My drinking, it has been creeping up and my partner is worried."),
    ]
    assert _quiet(spoken) == []


def test_short_answers_to_closed_questions_are_not_a_quiet_client():
    screen = [
        ("T", "Have you had any thoughts of ending your life?"),
        ("C", "No."),
        ("T", "Any plans to harm yourself?"),
        ("C", "No, none."),
        ("T", "Do you feel safe at home?"),
        ("C", "Yes."),
        ("T", "Is there anyone you could call?"),
        ("C", "My sister."),
    ]
    assert _quiet([*OPENING, *screen]) == []
    coded = [None] * N + [code("question", "closed") if s == "T" else None for s, _ in screen]
    assert _quiet([*OPENING, *screen], coded) == []


def test_short_answers_to_open_questions_still_are_a_quiet_client():
    spoken = [
        ("T", "Tell me about your week."),
        ("C", "Nothing much."),
        ("T", "What was hardest?"),
        ("C", "Dunno."),
        ("T", "How were things with your partner?"),
        ("C", "Fine."),
        ("T", "What would you like from today?"),
        ("C", "Not sure."),
    ]
    assert [f.utterance for f in _quiet([*OPENING, *spoken])] == [N + 1]


def test_a_closing_summary_is_left_out_of_the_share_comparison():
    long = "I have been thinking a lot about what happened with my brother this month"
    summary = (
        "Let me pull together what you have said today. You have been thinking about your "
        "brother a great deal, it still hurts, and you want to call him before his birthday "
        "and see whether the two of you can start again. Did I miss anything?"
    )
    spoken = [("T", "Tell me more."), ("C", long)] * 5 + [
        ("T", summary),
        ("C", "No, that's it."),
        ("T", "Good. See you next week then."),
        ("C", "Thanks, see you."),
    ]
    assert _quiet(spoken) == []


LONG = "I have been thinking a lot about what happened with my brother this month"
SHORT_ANSWERS = [
    ("T", "What was hardest about that for you?"),
    ("C", "Dunno."),
    ("T", "What went through your mind then?"),
    ("C", "Nothing much."),
    ("T", "How did your family take it?"),
    ("C", "Fine."),
    ("T", "What would you like from today?"),
    ("C", "Not sure."),
]


def test_a_quiet_streak_in_the_last_third_is_one_flag_that_gives_both_findings():
    # Talkative through the opening (greetings there never count), then four short answers
    # to open questions: the streak, and the share of words in the last third that fell.
    spoken = [("T", "Tell me."), ("C", LONG)] * 5 + SHORT_ANSWERS
    flags = _quiet(spoken)
    assert len(flags) == 1
    assert flags[0].utterance == 11  # the streak's first short answer
    assert flags[0].text == "Dunno. / Nothing much. / Fine. / Not sure."
    assert "fewer than 4 words 4 times in a row" in flags[0].explanation
    assert (
        "The client's share of the words also fell from 88% in the first third of the "
        "session to 22% in the last third." in flags[0].explanation
    )
    assert flags[0].source == SOURCES["client_quiet"]


def test_a_quiet_streak_before_the_last_third_leaves_the_share_flag_its_own():
    # A short quiet spell mid-session, talk again, then a last stretch where the therapist
    # holds forth and the client answers in a sentence: two different moments.
    lecture = (
        "There is a lot we know about how families handle a loss like this one, and much "
        "of it depends on whether people talk."
    )
    spoken = (
        [("T", "Tell me."), ("C", LONG)] * 5
        + SHORT_ANSWERS
        + [("T", "Go on."), ("C", LONG)] * 3
        + [("T", lecture), ("C", "I see what you mean.")] * 3
    )
    flags = _quiet(spoken)
    assert [f.utterance for f in flags] == [11, 21]
    assert "4 times in a row. A client who goes quiet" in flags[0].explanation
    assert "share of the words" not in flags[0].explanation
    assert "The client's share of the words fell from" in flags[1].explanation


def test_a_steady_share_of_client_words_is_not_flagged():
    long = "I have been thinking a lot about what happened with my brother this month"
    spoken = [("T", "Tell me more."), ("C", long)] * 6
    assert detect_flags(turns_of(*spoken), ROLES) == []


# --- change / sustain ----------------------------------------------------------------------


def _balance(client_codes: list[str]) -> list[Flag]:
    spoken, codes = [], []
    for i, c in enumerate(client_codes):
        spoken += [("T", f"Question {i}?"), ("C", f"Answer number {i} with enough words.")]
        codes += [code("question", "open"), code(c)]
    return [
        f
        for f in detect_flags(turns_of(*spoken), ROLES, codes)
        if f.kind == "change_sustain_balance"
    ]


def test_more_sustain_than_change_talk_is_flagged_at_the_first_sustain_talk():
    (flag,) = _balance(["change", "sustain", "sustain", "neutral"])
    assert flag.utterance == 3
    assert "more sustain talk (2) than change talk (1)" in flag.explanation


@pytest.mark.parametrize(
    "codes",
    [
        ["change", "sustain"],
        ["change", "change", "sustain", "sustain"],
        ["sustain", "change", "change"],
    ],
)
def test_balanced_or_change_leaning_or_too_little_talk_is_not_flagged(codes):
    assert _balance(codes) == []


def test_without_codes_only_lexicon_and_word_count_flags_are_raised():
    spoken = [
        ("T", "Do you drink?"),
        ("C", "Yes."),
        ("T", "Every day?"),
        ("C", "No."),
        ("T", "Is it beer?"),
    ]
    assert detect_flags(turns_of(*spoken), ROLES, None) == []


def test_flags_are_ordered_by_turn():
    turns = turns_of(
        *OPENING,
        ("C", "Hi."),
        ("T", "Did you see the football match? You should have known better."),
        *CLOSING,
    )
    flags = detect_flags(turns, ROLES)
    assert kinds(flags) == ["judgmental_language", "off_topic_small_talk"]
