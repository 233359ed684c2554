"""A transcript upload cannot hold a web worker: adversarial files are read (or refused) in
time that grows in step with their size, and a file with more speakers or turns than a
session has is refused with a message saying why.

Timing bounds are generous (seconds where the fixed code takes milliseconds, even on a busy
2-core machine); the regressions they guard against took minutes. An alarm stops a
regression at its bound instead of letting it run for those minutes.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from rapport.transcripts.parsing import (
    MAX_SPEAKERS,
    MAX_TURNS,
    NotATranscriptError,
    TooManySpeakersError,
    TooManyTurnsError,
    TranscriptError,
    guess_roles,
    parse_transcript,
    transcript_from_rows,
)

KB = 1024
VTT_CUE = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n"
SRT_CUE = b"1\n00:00:01,000 --> 00:00:02,000\n"


class TookTooLong(Exception):
    pass


@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Fail the test once ``seconds`` have passed (a quadratic regression would run on for
    minutes). The regular-expression engine checks for signals while it matches."""

    def stop(signum: int, frame: Any) -> None:
        raise TookTooLong(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def seconds_taken(work: Callable[[], object], bound: float) -> float:
    started = time.perf_counter()
    # Refusing the file is fine, if it is quick.
    with at_most(bound), contextlib.suppress(TranscriptError):
        work()
    return time.perf_counter() - started


def lines(make: Callable[[int], str], count: int) -> bytes:
    return "".join(make(i) + "\n" for i in range(count)).encode()


# -- Voice tags ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "name"), [(VTT_CUE, "x.vtt"), (SRT_CUE, "x.srt")], ids=["vtt", "srt"]
)
def test_a_cue_line_of_unclosed_voice_tags_is_read_in_well_under_seconds(head, name):
    # Before: webvtt-py's voice pattern ran to the end of the line from every "<v": 34 s
    # for 64 kB, so a 256 kB line took minutes and a 2 MB one hours.
    data = head + b"<v A" * (256 * KB // 4)
    assert seconds_taken(lambda: parse_transcript(data, name), bound=5.0) < 5.0


def test_an_unclosed_voice_tag_is_speech_and_the_voices_around_it_are_read():
    data = VTT_CUE + b"<v Jo>Hello <v A there.</v>\n\n00:00:02.000 --> 00:00:03.000\n<v Sam>Hi.\n"
    t = parse_transcript(data, "x.vtt")
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Jo", "Hello <v A there."),
        ("Sam", "Hi."),
    ]


def test_voice_names_with_classes_and_entities_are_still_read():
    data = (
        VTT_CUE + b"<v.loud Jo>Hi.</v>\n\n"
        b"00:00:02.000 --> 00:00:03.000\n<v Tom &amp; Jo>Hello.</v>\n"
    )
    assert parse_transcript(data, "x.vtt").speakers == ("Jo", "Tom & Jo")


def test_blank_lines_before_a_transcript_are_skipped_quickly():
    # Before: telling captions from text ran "\s*" from every line start over all the
    # blank lines after it: 0.4 s for each file that starts with 4,000 of them.
    data = b"\n" * 4000 + b"A: hi\nB: hello\n"
    assert seconds_taken(lambda: [parse_transcript(data, "x.txt") for _ in range(20)], 5.0) < 2.0
    assert parse_transcript(data, "x.txt").speakers == ("A", "B")


# -- Speakers -----------------------------------------------------------------------------


def test_a_file_of_1500_speakers_is_refused_saying_how_many_and_what_to_check():
    data = lines(lambda i: f"Speaker {i}: hello there", 1500)
    with pytest.raises(TooManySpeakersError) as refused:
        parse_transcript(data, "notes.txt")
    assert str(refused.value) == (
        "This file names 1,500 different speakers; a session transcript has a few, and at "
        "most 20 can be told apart here. Check that each line starts with the speaker's "
        "name, like 'Therapist: How was your week?', and that no other words at the start "
        "of a line are followed by a colon (they are read as names)."
    )


def test_twenty_speakers_are_read_and_a_twenty_first_is_refused():
    assert MAX_SPEAKERS == 20
    twenty = lines(lambda i: f"Speaker {i % 20}: hello there", 40)
    assert len(parse_transcript(twenty, "x.txt").speakers) == 20
    with pytest.raises(TooManySpeakersError, match="names 21 different speakers"):
        parse_transcript(lines(lambda i: f"Speaker {i % 21}: hello there", 42), "x.txt")


def test_voice_tags_count_as_speakers_too():
    data = VTT_CUE + lines(lambda i: f"<v Voice {i}>hello", 30)
    with pytest.raises(TooManySpeakersError, match="names 30 different speakers"):
        parse_transcript(data, "x.vtt")


def test_roles_of_thousands_of_speakers_are_guessed_in_one_pass():
    # `rapport code` guesses roles per conversation of a CSV, where no speaker limit applies.
    # Before: a pass over every turn for each speaker, 5.9 s for 8,000 speakers.
    transcript = transcript_from_rows(
        (f"Speaker {i}", "Why?" if i == 7 else "Yes.", None, None) for i in range(20_000)
    )
    roles: dict[str, str] = {}
    taken = seconds_taken(lambda: roles.update(guess_roles(transcript)), bound=5.0)
    assert taken < 2.0
    assert [name for name, role in roles.items() if role == "therapist"] == ["Speaker 7"]


def test_roles_are_still_guessed_from_questions_labels_and_who_opened():
    asks = parse_transcript(b"Ana: Hello.\nBen: How are you? And why?\nAna: Fine.\n", "x.txt")
    assert guess_roles(asks) == {"Ana": "client", "Ben": "therapist"}
    opener = parse_transcript(b"Ana: Hello.\nBen: Hi.\n", "x.txt")
    assert guess_roles(opener) == {"Ana": "therapist", "Ben": "client"}
    labelled = parse_transcript(b"Client: Why?\nDr Lee: Tell me.\n", "x.txt")
    assert guess_roles(labelled) == {"Client": "client", "Dr Lee": "therapist"}


# -- Turns --------------------------------------------------------------------------------


def test_a_file_of_more_turns_than_a_long_session_is_refused_saying_how_many():
    data = lines(lambda i: f"{'AB'[i % 2]}: x", MAX_TURNS + 1)
    with pytest.raises(TooManyTurnsError) as refused:
        parse_transcript(data, "x.txt")
    assert str(refused.value) == (
        "This file has 5,001 turns (changes of speaker); a one-hour session has a few "
        "hundred, and at most 5,000 can be analysed at once. If this is a long recording, "
        "split it into parts and upload each part for the session; otherwise check that "
        "each line is what one person said, with the speaker's name before it."
    )


def test_five_thousand_turns_are_read_and_lines_of_one_speaker_are_one_turn():
    assert MAX_TURNS == 5_000
    assert len(parse_transcript(lines(lambda i: f"{'AB'[i % 2]}: x", 5_000), "x.txt").turns) == (
        5_000
    )
    # The limit is on turns, not lines: a monologue split over many lines is one turn.
    monologue = b"A: Hello.\n" + lines(lambda i: f"B: line {i}", 20_000)
    assert len(parse_transcript(monologue, "x.txt").turns) == 2


def test_too_many_speakers_is_said_before_too_many_turns():
    data = lines(lambda i: f"Speaker {i}: hello there", MAX_TURNS + 10)
    with pytest.raises(TooManySpeakersError, match="names 5,010 different speakers"):
        parse_transcript(data, "x.txt")


def test_an_unreadable_file_is_still_refused_for_what_it_is():
    with pytest.raises(NotATranscriptError):
        parse_transcript(VTT_CUE + b"<v A" * 1000, "x.vtt")
