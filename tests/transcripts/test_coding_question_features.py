"""The question features stay what the shipped model was trained on, and stay fast.

The model was trained on features computed with ``re.findall(r"[^.!?]*\\?", text)[-1]``,
which is quadratic on a long turn without punctuation; the coder now finds the same last
question with linear scans. These tests pin the features and compare the two on random
strings. Every sentence here is written for these tests.
"""

from __future__ import annotations

import random
import re
import time

import pytest

from rapport.transcripts.coding import Coder, conversation_features, load_coder, question_stem

# The regex the shipped model's features were computed with, kept here as the reference.
_TRAINED_QUESTION = re.compile(r"[^.!?]*\?")


def _trained_last_question(text: str) -> str | None:
    questions = _TRAINED_QUESTION.findall(text)
    return questions[-1] if questions else None


def _random_turn(rng: random.Random) -> str:
    words = ["do", "you", "what", "how", "many", "so", "um", "okay", "is", "tell", "don't"]
    marks = ["?", ".", "!", "\n", " ", "??", "?!", "...", ",", "İ", "'"]
    pieces = [rng.choice(words if rng.random() < 0.6 else marks) for _ in range(rng.randrange(30))]
    return rng.choice(["", " "]).join(pieces)


@pytest.fixture(scope="module")
def coder() -> Coder:
    return load_coder()


def test_the_last_question_is_the_one_the_model_was_trained_on() -> None:
    from rapport.transcripts.coding import _last_question

    rng = random.Random(7)
    turns = [_random_turn(rng) for _ in range(3000)] + ["", "?", "a?b", "x.?", "so!?", "?\n?"]
    for turn in turns:
        lowered = turn.lower()
        assert _last_question(lowered) == _trained_last_question(lowered), repr(turn)


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("Is it the mornings? Or. How many drinks\nin the evening?", (0.0, 0.0, 1.0)),
        ("Okay! So, um, what then??", (0.0, 0.0, 0.0)),  # the last question is the bare "?"
        ("so so so so do you?", (1.0, 0.0, 0.0)),
        ("You said no. Why?! Fine.", (0.0, 1.0, 0.0)),
        ("no question here at all", (0.0, 0.0, 0.0)),
    ],
)
def test_question_stem_values_are_pinned(text: str, stem: tuple[float, float, float]) -> None:
    assert question_stem(text) == stem


def test_the_numeric_features_of_a_short_conversation_are_pinned() -> None:
    rows = conversation_features(
        [("therapist", "Okay. Do you smoke? What about drinking?"), ("client", "Sometimes.")]
    )
    assert [round(x, 6) for x in rows[0].numeric] == [
        0.0, 1.0, 1.0, 0.51986, 0.666667, 1.0, 0.0, 0.0, 0.173287, 0.0, 1.0, 0.0,
    ]  # fmt: skip
    assert rows[1].numeric[-3:] == (0.0, 0.0, 0.0)


def test_a_long_turn_without_punctuation_is_coded_in_well_under_a_second(coder: Coder) -> None:
    # Before: 20 s for 100 kB, so a 2 MB upload held a web worker for hours.
    turn = ("i keep thinking about what happened at work and how it made me feel " * 3000)[:200_000]
    coder.code_conversation([("therapist", "How are you?"), ("client", "Fine.")])  # warm up
    started = time.perf_counter()
    codes = coder.code_conversation(
        [("therapist", "How was the week?"), ("client", turn), ("therapist", turn + "?")]
    )
    assert time.perf_counter() - started < 2.0
    assert len(codes) == 3
