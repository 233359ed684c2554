from __future__ import annotations

import pytest

from rapport.transcripts.flags import FLAG_KINDS
from rapport.transcripts.metrics import (
    BELOW,
    FAIR,
    GOOD,
    METRIC_NAMES,
    REFERENCES,
    rate,
    session_metrics,
)
from rapport.transcripts.parsing import Turn
from tests.transcripts._helpers import ROLES, code, turns_of


def _session():
    """A hand-coded session; expected values are worked out in each test."""
    spoken = [
        ("T", "What brings you here today?"),  # open question, 5 words
        ("C", "I want to drink less."),  # change, 5
        ("T", "You want to cut down."),  # simple reflection, 5
        ("C", "But I like it."),  # sustain, 4
        ("T", "Part of you enjoys it and part of you worries."),  # complex reflection, 10
        ("C", "Yes."),  # neutral, 1
        ("T", "Is it every day?"),  # closed question, 4
        ("C", "Most days, and I should stop."),  # change, 6
        ("T", "The guideline is fourteen units."),  # information, 5
        ("C", "I didn't know that at all really."),  # neutral, 7
    ]
    codes = [
        code("question", "open"),
        code("change"),
        code("reflection", "simple"),
        code("sustain"),
        code("reflection", "complex"),
        code("neutral"),
        code("question", "closed"),
        code("change"),
        code("therapist_input", "information"),
        code("neutral"),
    ]
    return turns_of(*spoken, step=None), codes


def test_ratios_and_percentages_are_computed_from_codes():
    turns, codes = _session()
    m = session_metrics(turns, ROLES, codes)
    assert m.reflection_to_question_ratio == pytest.approx(2 / 2)
    assert m.percent_open_questions == pytest.approx(50.0)
    assert m.percent_complex_reflections == pytest.approx(50.0)
    assert m.percent_therapist_input == pytest.approx(100 * 1 / 5)
    assert m.change_talk_ratio == pytest.approx(2 / 3)


def test_talk_share_is_by_words():
    turns, codes = _session()
    m = session_metrics(turns, ROLES, codes)
    # Therapist 5+5+10+4+5 = 29 words; client 5+4+1+6+7 = 23.
    assert m.counts["therapist_words"] == 29 and m.counts["client_words"] == 23
    assert m.therapist_talk_share == pytest.approx(29 / 52)


def test_talk_share_by_time_uses_end_minus_start():
    turns = [
        Turn(0, "T", "Hello there.", 0.0, 10.0),
        Turn(1, "C", "Hi.", 10.0, 40.0),
        Turn(2, "T", "Go on.", 40.0, 50.0),
    ]
    m = session_metrics(turns, ROLES, [code("other"), code("neutral"), code("other")])
    assert m.therapist_talk_share_by_time == pytest.approx(20 / 50)
    assert m.counts["therapist_seconds"] == 20.0 and m.counts["client_seconds"] == 30.0


def test_talk_share_by_time_falls_back_to_the_next_turns_start():
    # AnnoMI-style: only start times. The last turn's length is unknown and left out.
    turns = [
        Turn(0, "T", "a", 0.0),
        Turn(1, "C", "b", 5.0),
        Turn(2, "T", "c", 20.0),
        Turn(3, "C", "d", 25.0),
        Turn(4, "T", "e", 30.0),
    ]
    m = session_metrics(turns, ROLES, [None] * 5)
    assert m.therapist_talk_share_by_time == pytest.approx(10 / 30)


def test_talk_share_by_time_is_none_without_timestamps_with_a_note():
    turns, codes = _session()
    m = session_metrics(turns, ROLES, codes)
    assert m.therapist_talk_share_by_time is None
    assert any("Timestamps are missing" in n for n in m.notes)


def test_nothing_to_divide_by_gives_none_and_a_note_never_a_crash():
    turns = turns_of(("T", "Hello."), ("C", "Hi."))
    m = session_metrics(turns, ROLES, [code("other"), code("neutral")])
    assert m.reflection_to_question_ratio is None
    assert m.percent_open_questions is None
    assert m.percent_complex_reflections is None
    assert m.change_talk_ratio is None
    assert m.percent_therapist_input == 0.0
    assert len(m.notes) == 5  # four undefined metrics + missing timestamps
    assert all(rating is None for name, rating in m.ratings().items() if m.value(name) is None)


def test_an_empty_session_does_not_crash():
    m = session_metrics([], ROLES, [])
    assert m.therapist_talk_share is None and m.percent_therapist_input is None


def test_questions_without_a_subcode_leave_percent_open_undefined():
    turns = turns_of(("T", "Why?"), ("C", "Because."))
    m = session_metrics(turns, ROLES, [code("question", None), code("neutral")])
    assert m.reflection_to_question_ratio == 0.0
    assert m.percent_open_questions is None


def test_flag_counts_cover_every_kind():
    spoken = [
        ("T", "Hi."),
        ("C", "Hi."),
        ("T", "Ok."),
        ("C", "Ok."),
        ("C", "Yes."),
        ("T", "You should have known better."),
        ("C", "No."),
        ("T", "Right."),
        ("C", "Ok."),
    ]
    turns = turns_of(*spoken)
    m = session_metrics(turns, ROLES, [None] * len(turns))
    assert set(m.flag_counts) == set(FLAG_KINDS)
    assert m.flag_counts["judgmental_language"] == 1
    assert m.flag_counts["advice"] == 0


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("reflection_to_question_ratio", 2.0, GOOD),
        ("reflection_to_question_ratio", 1.0, FAIR),
        ("reflection_to_question_ratio", 0.99, BELOW),
        ("percent_complex_reflections", 50.0, GOOD),
        ("percent_complex_reflections", 40.0, FAIR),
        ("percent_complex_reflections", 39.9, BELOW),
        ("percent_open_questions", 70.0, GOOD),
        ("percent_open_questions", 50.0, FAIR),
        ("percent_open_questions", 49.0, BELOW),
        ("therapist_talk_share", 0.49, GOOD),
        ("therapist_talk_share", 0.5, BELOW),
        ("change_talk_ratio", 0.5, GOOD),
        ("change_talk_ratio", 0.4, BELOW),
        ("percent_therapist_input", 30.0, None),
        ("reflection_to_question_ratio", None, None),
    ],
)
def test_values_are_rated_against_the_cited_thresholds(metric, value, expected):
    assert rate(metric, value) == expected


def test_every_metric_has_a_reference_with_a_source():
    assert set(REFERENCES) == set(METRIC_NAMES)
    assert "MITI 4.2.1" in REFERENCES["reflection_to_question_ratio"].source
    assert "MITI 3" in REFERENCES["percent_open_questions"].source
    assert all(ref.source and ref.text for ref in REFERENCES.values())


def test_the_sample_session_ratings():
    turns, codes = _session()
    ratings = session_metrics(turns, ROLES, codes).ratings()
    assert ratings["reflection_to_question_ratio"] == FAIR
    # Two questions and two reflections: shown, but too few to rate.
    assert ratings["percent_open_questions"] is None
    assert ratings["percent_complex_reflections"] is None
    assert ratings["therapist_talk_share"] == BELOW
    assert ratings["change_talk_ratio"] == GOOD


def _coded(spoken_codes):
    spoken = [(role, text) for role, text, _ in spoken_codes]
    return turns_of(*spoken), [c for _, _, c in spoken_codes]


def test_reflections_without_questions_meet_the_two_to_one_standard():
    turns, codes = _coded(
        [("T", f"Reflection {i}.", code("reflection", "complex")) for i in range(4)]
    )
    m = session_metrics(turns, ROLES, codes)
    assert m.reflection_to_question_ratio is None
    assert m.rating("reflection_to_question_ratio") == GOOD
    assert (
        "4 reflections, no questions: this meets the reference of at least 2 reflections per "
        "question." in m.notes
    )


def test_one_reflection_without_questions_is_too_few_to_rate_and_its_note_says_so():
    turns, codes = _coded([("T", "Reflection.", code("reflection", "simple"))])
    m = session_metrics(turns, ROLES, codes)
    assert m.rating("reflection_to_question_ratio") is None
    assert "1 reflection, no questions: too few to compare with the reference." in m.notes
    assert not any("meets the reference" in note for note in m.notes)


def test_no_reflections_and_no_questions_is_not_rated():
    turns, codes = _coded([("T", "Hello.", code("other"))])
    m = session_metrics(turns, ROLES, codes)
    assert m.rating("reflection_to_question_ratio") is None
    assert "No questions were coded, so reflections per question is undefined." in m.notes


@pytest.mark.parametrize(
    ("metric", "count", "expected"),
    [("percent_open_questions", 2, None), ("percent_open_questions", 3, GOOD)],
)
def test_a_value_resting_on_too_few_behaviours_is_not_rated(metric, count, expected):
    assert rate(metric, 100.0, count) == expected


def test_too_few_questions_are_shown_but_not_rated_with_a_note():
    turns, codes = _coded(
        [
            ("T", "What brings you here?", code("question", "open")),
            ("C", "My drinking, mostly.", code("neutral")),
            ("T", "And how long?", code("question", "open")),
            ("C", "I want to stop. I need to stop.", code("change")),
            ("T", "You want to stop.", code("reflection", "simple")),
            ("C", "I will stop.", code("change")),
            ("T", "You are ready.", code("reflection", "complex")),
            ("C", "I can do it.", code("change")),
        ]
    )
    m = session_metrics(turns, ROLES, codes)
    assert m.percent_open_questions == 100.0
    assert m.rating("percent_open_questions") is None
    assert m.rating("change_talk_ratio") == GOOD  # three change statements
    assert (
        "The share of open questions rests on 2 coded behaviours (fewer than 3), so it is "
        "shown but not rated." in m.notes
    )


def test_therapist_input_is_described_as_all_input_and_as_rapports_own_summary():
    ref = REFERENCES["percent_therapist_input"]
    assert "negotiation" in ref.text and "options" in ref.text
    assert "Rapport's own summary" in ref.source
    assert "no such summary score" in ref.source


def test_stacked_questions_in_one_turn_count_as_one_question_as_miti_codes_them():
    # MITI 4.2.1 codes several questions asked before the client answers as one Question,
    # and the coder gives each utterance one code (AnnoMI's unit); the thresholds for
    # reflections per question and % open questions are set on that count.
    turns = [
        Turn(0, "T", "Do you drink? Every day? Alone?", None, None),
        Turn(1, "C", "Most days, yes.", None, None),
        Turn(2, "T", "Drinking has become part of most of your days.", None, None),
    ]
    codes = [code("question", "closed"), code("neutral"), code("reflection", "simple")]
    m = session_metrics(turns, ROLES, codes)
    assert m.counts["questions"] == 1 and m.counts["closed_questions"] == 1
    assert m.reflection_to_question_ratio == 1.0
