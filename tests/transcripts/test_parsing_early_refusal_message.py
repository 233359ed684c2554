"""A file refused part-way for its turns says what it could not check: the speakers of the
rest. Before, a file of more than 10,000 turns whose extra speakers come after the point
where reading stops was told only "too many turns", where reading all of it would have said
"too many speakers"; split as told, each part could then be refused again for its speakers.
"""

from __future__ import annotations

import pytest

from rapport.transcripts.parsing import (
    MAX_SPEAKERS,
    MAX_TURNS,
    TooManySpeakersError,
    TooManyTurnsError,
    parse_transcript,
)


def _file(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


TURNS_THEN_SPEAKERS = _file(
    [f"{('Therapist', 'Client')[i % 2]}: ok" for i in range(2 * MAX_TURNS + 2_000)]
    + [f"Guest {i}: hello" for i in range(MAX_SPEAKERS + 10)]
)


def test_a_file_stopped_for_its_turns_says_its_later_speakers_were_not_counted():
    with pytest.raises(TooManyTurnsError) as refused:
        parse_transcript(TURNS_THEN_SPEAKERS, "session.txt")
    message = str(refused.value)
    assert message.startswith("This file has more than 10,000 turns (changes of speaker);")
    assert message.endswith(
        "Reading stopped there, with 2 speakers found so far; speakers named later in the "
        "file were not counted, and at most 20 can be told apart in one file."
    )


def test_read_whole_the_same_file_names_too_many_speakers():
    # What the note stands for: without the early stop, the speakers are refused first.
    with pytest.raises(TooManySpeakersError, match="names 32 different speakers"):
        parse_transcript(TURNS_THEN_SPEAKERS, "session.txt", max_turns=10**6)


def test_a_file_read_to_the_end_keeps_its_exact_count_and_no_note():
    data = _file([f"{'AB'[i % 2]}: x" for i in range(MAX_TURNS + 1)])
    with pytest.raises(TooManyTurnsError) as refused:
        parse_transcript(data, "x.txt")
    assert "This file has 5,001 turns" in str(refused.value)
    assert "Reading stopped" not in str(refused.value)
