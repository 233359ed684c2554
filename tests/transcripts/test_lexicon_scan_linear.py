"""The flag lexicons read a long turn once, not once per phrase in it: a punctuation-free
caption turn full of negated or attributed phrases ("you pray about it" 3,000 times) took
85 s, the sentence before each phrase copied and searched again from its start. The work
is counted here (characters the skip search reads), not timed; bench/lexicon_worst_case.py
times it against a normal session. All text is invented."""

from __future__ import annotations

import dataclasses
import re
import sys

import pytest

from rapport.transcripts.flags import _SKIP_WINDOW, _lexicon_hit, load_lexicon


class _Counting:
    """A skip pattern that counts the characters each search reads: from where it starts
    to the end of what it finds, or to where it must stop when it finds nothing."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.read = 0
        self.searches = 0

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize):
        found = self.pattern.search(string, pos, endpos)
        end = min(endpos, len(string)) if found is None else found.end()
        self.read += max(0, end - pos)
        self.searches += 1
        return found


def _counted(name: str):
    lexicon = load_lexicon(name)
    assert lexicon.skip_before is not None
    counter = _Counting(lexicon.skip_before)
    return dataclasses.replace(lexicon, skip_before=counter), counter


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # The skip phrase is just before each match ("you " + "pray about it").
        ("religious_advice", "you pray about it " * 3000),
        # One negation at the start of the clause covers every match after it.
        ("medical_advice", "you don't need to " + "stop taking your pills and " * 2000),
        ("judgmental", "I'm not saying " + "you're lazy and " * 100),
        # "you said" before every disclosure.
        ("self_disclosure", "you said i had the same problem " * 2000),
    ],
)
def test_the_skip_search_reads_a_long_sentence_a_bounded_number_of_times(name, text):
    lexicon, counter = _counted(name)
    _lexicon_hit(lexicon, text)
    assert counter.searches > 50  # many phrases were skipped, one after another
    # Each search reads the gap since the previous phrase and a few words more, never the
    # sentence from its start again (that read about searches x len(text) / 2).
    assert counter.read <= 6 * len(text)


def test_the_skip_phrases_found_are_those_a_search_from_the_start_finds():
    # Whatever the order of the phrases, each is skipped for a negation or an attribution
    # anywhere before it in the sentence, as before.
    judgmental = load_lexicon("judgmental")
    assert _lexicon_hit(judgmental, "It's not that you're lazy or that you're selfish.") is None
    assert (
        _lexicon_hit(judgmental, "He said you're lazy and you're selfish and you're weak.") is None
    )
    text = "You're lazy, honestly."
    assert _lexicon_hit(judgmental, text) == (text, "You're lazy")


def test_a_negation_more_than_the_window_before_the_phrase_no_longer_covers_it():
    judgmental = load_lexicon("judgmental")
    filler = "and then we went over to the shops " * (_SKIP_WINDOW // 30)
    near = "it's not that " + "and then " * 10 + "you're lazy"
    far = "it's not that " + filler + "you're lazy"
    assert _lexicon_hit(judgmental, near) is None
    assert _lexicon_hit(judgmental, far) == (far, "you're lazy")
