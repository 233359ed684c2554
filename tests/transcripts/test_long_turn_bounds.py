"""A web upload's worst case stays well inside the request: the coder reads a turn's first
``CODED_CHARS`` characters (a turn that long is no session's: AnnoMI's longest is 1,212)
and says so in a note, and each lexicon pattern runs only on sentences holding a word that
all its matches contain, with the same matches as before. The work is counted here (the
characters the coder reads, the patterns a sentence is searched with), not timed;
bench/lexicon_worst_case.py --long-turns times it. All text is invented."""

from __future__ import annotations

import json
import random
import re

import pytest

from rapport.transcripts import flags
from rapport.transcripts.analysis import analysis_to_json, analyze
from rapport.transcripts.coding import CODED_CHARS, coded_text, conversation_features, load_coder
from rapport.transcripts.demo import DEMO_SESSIONS
from rapport.transcripts.flags import LEXICON_DIR, _Prefiltered, load_lexicon
from rapport.transcripts.parsing import parse_transcript

LEXICON_FLAGS = ("judgmental", "medical_advice", "religious_advice", "self_disclosure")
ALL_LEXICONS = (*LEXICON_FLAGS, "small_talk", "advice", "risk")

# Ordinary therapist words, no punctuation: a caption turn that never ends a sentence.
_HARMLESS = (
    "so what I am hearing is that the evenings are the hardest part of the week for you "
    "and that you would like to find a way to make them feel a little less long "
)


def _long_turn(chars: int) -> str:
    return (_HARMLESS * (chars // len(_HARMLESS) + 1))[:chars]


# --- the coder reads a turn's start -------------------------------------------------------


def test_a_turn_up_to_the_limit_is_read_whole_and_a_longer_one_from_its_start():
    assert CODED_CHARS >= 5_000  # every AnnoMI turn (longest 1,212 characters) is read whole
    short = _long_turn(CODED_CHARS)
    assert coded_text(short) == short
    long = _long_turn(60_000)
    head = coded_text(long)
    assert len(head) <= CODED_CHARS
    assert long.startswith(head) and len(head) > CODED_CHARS - 20  # cut at the last space
    assert long[len(head)] == " "  # no word cut in two


def test_the_coder_reads_at_most_the_limit_of_each_turn():
    # Count the characters the features are built from: each turn's own text and its
    # neighbours' (context) are at most CODED_CHARS, however long the turn.
    turns = [("therapist", _long_turn(500_000)), ("client", "Yes."), ("therapist", "Okay.")]
    rows = conversation_features(turns)
    for row in rows:
        for text in (row.text, row.prev_text, row.prev_other, row.next_text):
            assert len(text) <= 5_000
    assert rows[0].text == coded_text(turns[0][1])


def test_a_long_turn_gets_the_code_of_its_start():
    coder = load_coder()
    long = _long_turn(200_000)
    client = "I don't know, I just find the evenings hard."
    cut = coder.code_conversation([("client", client), ("therapist", long)])
    start = coder.code_conversation([("client", client), ("therapist", coded_text(long))])
    assert cut == start


def test_the_report_and_the_json_say_which_turns_were_coded_from_their_start():
    text = (
        f"Therapist: {_long_turn(12_000)}\nClient: Yes that's right.\n"
        f"Therapist: {_long_turn(8_000)}\nClient: Mm.\nTherapist: How are the mornings?\n"
    ).encode()
    transcript = parse_transcript(text, "long.txt")
    analysis = analyze(transcript, {"Therapist": "therapist", "Client": "client"}, load_coder())
    notes = analysis_to_json(analysis)["notes"]
    expected = (
        "2 utterances are longer than 5,000 characters (a whole one-hour session is about "
        "50,000-100,000): coded from their first 5,000 characters only"
    )
    assert any(note.startswith(expected) for note in notes), notes


def test_no_note_when_every_turn_is_read_whole():
    transcript = parse_transcript(
        f"Therapist: {_long_turn(CODED_CHARS)}\nClient: Yes.\n".encode(), "t.txt"
    )
    analysis = analyze(transcript, {"Therapist": "therapist", "Client": "client"}, load_coder())
    assert not any("characters" in note for note in analysis.notes)


# --- each pattern runs only where its words are -------------------------------------------


def _normal_sentences() -> list[str]:
    turns = [text for _, session in DEMO_SESSIONS for _, text, _ in session]
    return [s for turn in turns for s in flags._sentences(turn)]


def _random_lexicon_text(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(2, 30)))


def _lexicon_words() -> list[str]:
    words: set[str] = set()
    for name in ALL_LEXICONS:
        source = (LEXICON_DIR / f"{name}.json").read_text(encoding="utf-8")
        words |= set(re.findall(r"[a-z']{2,}", source.replace("\\b", " ").replace("\\s", " ")))
    return sorted(words)


def _all_pattern_lists():
    for name in ALL_LEXICONS:
        data = json.loads((LEXICON_DIR / f"{name}.json").read_text(encoding="utf-8"))
        for key, value in data.items():
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                yield f"{name}.{key}", value


@pytest.mark.parametrize(("name", "patterns"), list(_all_pattern_lists()))
def test_the_filtered_patterns_find_what_the_whole_alternation_finds(name, patterns):
    whole = re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
    filtered = _Prefiltered.of(patterns)
    rng = random.Random(name)
    words = _lexicon_words()
    texts = _normal_sentences() + [_random_lexicon_text(rng, words) for _ in range(1500)]
    texts += ["You’re so lazy.", "ſtop taking your pills", "THAT'S SO STUPID", ""]
    for text in texts:
        pattern = filtered.for_text(text)
        found = [] if pattern is None else [m.span() for m in pattern.finditer(text)]
        assert found == [m.span() for m in whole.finditer(text)], text


def test_a_sentence_is_searched_only_with_the_patterns_whose_words_it_holds():
    # Count the patterns each long sentence is searched with: ordinary words hold few of
    # the lexicons' words ("you ... like" for "you're like a child"), so few patterns run.
    long = _long_turn(100_000)
    for name in (*LEXICON_FLAGS, "small_talk"):
        lexicon = load_lexicon(name)
        assert lexicon.prefiltered is not None
        assert all(lexicon.prefiltered.needs)  # every pattern names a word of its matches
        assert len(lexicon.prefiltered.kept(long)) <= max(
            4, len(lexicon.prefiltered.patterns) // 10
        )
    judgmental = load_lexicon("judgmental").prefiltered
    assert judgmental is not None
    assert 0 < len(judgmental.kept("Honestly, that's so stupid.")) <= 6


def test_a_sentence_that_is_not_ascii_is_searched_with_every_pattern():
    # "ſ" matches "s" in a case-insensitive ``re``; a word search on the lower-cased text
    # would miss it, so such a sentence is searched as before.
    medical = load_lexicon("medical_advice")
    assert medical.prefiltered is not None
    text = "You should ſtop taking your pills."
    assert medical.prefiltered.for_text(text).pattern == medical.patterns.pattern  # type: ignore[union-attr]
    assert flags._lexicon_hit(medical, text) is not None
