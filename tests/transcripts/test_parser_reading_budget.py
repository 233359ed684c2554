"""A transcript that will be refused for its size is refused while it is read, not after
(parsing._ReadingBudget): past MAX_ENTRIES cues, lines or rows, or once it certainly has
more than twice MAX_TURNS turns. Before, 2 MB of one-word lines (350,000 turns) or 52,000
one-line cues of one speaker were read to the end, 6-16 s of a web worker, to be refused.

The stop is asserted by counting what the readers did (no timing here; bench/parser_limits.py
times it), and a property test checks that stopping early never refuses a file that reading
all of it would have let through.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.transcripts import parsing
from rapport.transcripts.parsing import (
    MAX_ENTRIES,
    MAX_TURNS,
    TooManyEntriesError,
    TooManySpeakersError,
    TooManyTurnsError,
    Transcript,
    TranscriptError,
    parse_transcript,
)

CUE = "00:00:01.000 --> 00:00:02.000"


def lines(make: Callable[[int], str], count: int, head: str = "") -> bytes:
    return (head + "".join(make(i) + "\n" for i in range(count))).encode()


def count_calls(monkeypatch, name: str) -> list[int]:
    """Count the calls of the parsing module's function ``name`` (a one-item list)."""
    calls = [0]
    original = getattr(parsing, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(parsing, name, counted)
    return calls


# -- Turns: reading stops just past twice the limit ----------------------------------------


def test_lines_of_text_stop_being_read_just_past_twice_the_turn_limit(monkeypatch):
    read = count_calls(monkeypatch, "_split_text_label")
    data = lines(lambda i: f"{'AB'[i % 2]}: x", 20_000)  # 20,000 turns, under MAX_ENTRIES
    with pytest.raises(TooManyTurnsError) as refused:
        parse_transcript(data, "x.txt")
    assert read[0] == 2 * MAX_TURNS + 1  # of 20,000 lines
    assert type(refused.value) is TooManyTurnsError
    assert str(refused.value) == (
        "This file has more than 10,000 turns (changes of speaker); a one-hour session has a "
        "few hundred, and at most 5,000 can be analysed at once. If this is a long recording, "
        "split it into parts and upload each part for the session; otherwise check that "
        "each line is what one person said, with the speaker's name before it. Reading "
        "stopped there, with 2 speakers found so far; speakers named later in the file were "
        "not counted, and at most 20 can be told apart in one file."
    )


def test_csv_rows_stop_being_read_just_past_twice_the_turn_limit(monkeypatch):
    read = count_calls(monkeypatch, "_clean_name")
    data = lines(lambda i: f"{'AB'[i % 2]},x", 20_000, head="speaker,text\n")
    with pytest.raises(TooManyTurnsError, match="more than 10,000 turns"):
        parse_transcript(data, "x.csv")
    assert read[0] == 2 * MAX_TURNS + 1


def test_voice_tags_in_one_cue_line_stop_being_read_just_past_twice_the_turn_limit(monkeypatch):
    read = count_calls(monkeypatch, "_cue_text")
    data = f"WEBVTT\n\n{CUE}\n{'<v A>a <v B>b ' * 15_000}\n".encode()
    with pytest.raises(TooManyTurnsError, match="more than 10,000 turns"):
        parse_transcript(data, "x.vtt")
    assert read[0] == 2 * MAX_TURNS + 1  # of 30,000 voice spans


def test_many_speakers_are_refused_as_such_when_reading_stops(monkeypatch):
    read = count_calls(monkeypatch, "_split_text_label")
    data = lines(lambda i: f"S{i}: hello", 20_000)
    with pytest.raises(TooManySpeakersError) as refused:
        parse_transcript(data, "x.txt")
    assert read[0] == 2 * MAX_TURNS + 1
    assert str(refused.value).startswith(
        "This file names more than 10,000 different speakers; a session transcript has a "
        "few, and at most 20 can be told apart here."
    )


def test_labels_that_may_be_read_back_as_speech_do_not_count_as_turns_for_the_stop():
    # Each "So it 12: that" is a label used once that reads like speech: with A and B
    # recurring, _build reads it back as B's words. 12,004 turns as labelled, 4 as read.
    data = b"A: hi\nB: ho\nA: hi\nB: ho\n" + lines(lambda i: f"So it {i}: that", 12_000)
    parsed = parse_transcript(data, "x.txt")
    assert len(parsed.turns) == 4
    assert parsed.turns[-1].text.endswith("So it 11999: that")


def test_a_file_at_the_limit_and_one_just_over_are_read_to_the_end_as_before():
    at_limit = lines(lambda i: f"{'AB'[i % 2]}: x", MAX_TURNS)
    assert len(parse_transcript(at_limit, "x.txt").turns) == MAX_TURNS
    twice = lines(lambda i: f"{'AB'[i % 2]}: x", 2 * MAX_TURNS)
    with pytest.raises(TooManyTurnsError, match="This file has 10,000 turns"):
        parse_transcript(twice, "x.txt")


# -- Entries: cues, lines and rows past MAX_ENTRIES are not read ---------------------------


def test_cues_past_the_limit_are_refused_before_any_is_parsed(monkeypatch):
    normalised = count_calls(monkeypatch, "_normalise_vtt")
    one_speaker = "".join(f"{CUE}\nT: hi\n\n" for _ in range(MAX_ENTRIES + 1))
    with pytest.raises(TooManyEntriesError) as refused:
        parse_transcript(f"WEBVTT\n\n{one_speaker}".encode(), "x.vtt")
    assert normalised[0] == 0
    assert str(refused.value) == (
        "This file has more than 25,000 caption cues; a long session has a few thousand, and "
        "at most 25,000 can be read at once. If this is a long recording, split it into parts "
        "and upload each part for the session."
    )


def test_srt_cues_past_the_limit_are_refused_too(monkeypatch):
    normalised = count_calls(monkeypatch, "_normalise_srt")
    cues = "".join(f"{i}\n00:00:01,000 --> 00:00:02,000\nT: hi\n\n" for i in range(25_001))
    with pytest.raises(TooManyEntriesError, match="more than 25,000 caption cues"):
        parse_transcript(cues.encode(), "x.srt")
    assert normalised[0] == 0


def test_one_speakers_lines_past_the_limit_stop_being_read(monkeypatch):
    read = count_calls(monkeypatch, "_split_text_label")
    data = b"A: Hello.\n" + lines(lambda i: f"B: line {i}", 40_000)
    with pytest.raises(TooManyEntriesError, match="more than 25,000 lines"):
        parse_transcript(data, "x.txt")
    assert read[0] == MAX_ENTRIES


def test_csv_rows_past_the_limit_stop_being_read(monkeypatch):
    rows = [0]
    original = parsing.CsvRow

    def counted(*args):
        rows[0] += 1
        return original(*args)

    monkeypatch.setattr(parsing, "CsvRow", counted)
    data = lines(lambda i: f"T,words {i}", 40_000, head="speaker,text\n")
    with pytest.raises(TooManyEntriesError, match="more than 25,000 rows"):
        parse_transcript(data, "x.csv")
    assert rows[0] == MAX_ENTRIES + 1  # the header and 25,000 rows


def test_the_entry_limit_is_a_parameter_and_a_file_within_it_is_read():
    data = lines(lambda i: f"{'AB'[i % 2]}: x", 30)
    assert len(parse_transcript(data, "x.txt", max_entries=30).turns) == 30
    with pytest.raises(TooManyEntriesError, match="more than 29 lines"):
        parse_transcript(data, "x.txt", max_entries=29)


def test_blank_csv_lines_do_not_count_towards_the_row_limit():
    # Eight rows and a header, a blank line after each: a full read skips the blanks.
    data = ("speaker,text\n\n" + "".join(f"{'AB'[i % 2]},words {i}\n\n" for i in range(8))).encode()
    assert len(parse_transcript(data, "x.csv", max_entries=8).turns) == 8
    with pytest.raises(TooManyEntriesError, match="more than 7 rows"):
        parse_transcript(data, "x.csv", max_entries=7)


# -- Stopping early refuses only what reading everything refuses -------------------------

_LABELS = ["A", "b", "Dr Lee", "So the thing is", "Well, then", "Yes and it", "Speaker 1"]
_LINE = st.one_of(
    st.builds(lambda label, text: f"{label}: {text}", st.sampled_from(_LABELS), st.just("hm")),
    st.builds(lambda label: f"{label}:", st.sampled_from(_LABELS)),
    st.builds(lambda label: f"[{label}] hm", st.sampled_from(_LABELS)),
    st.builds(lambda label: f"{label}  0:03", st.sampled_from(_LABELS)),  # Otter header
    st.builds(lambda label: f"{label} (00:03): hm", st.sampled_from(_LABELS)),  # Rev header
    st.just("just words"),
    st.just("00:01:02"),
)


def _text_file(lines_: list[str]) -> bytes:
    return "\n".join(lines_).encode()


def _vtt_file(cues: list[list[str]]) -> bytes:
    return ("WEBVTT\n\n" + "".join(f"{CUE}\n" + "\n".join(c) + "\n\n" for c in cues)).encode()


def _outcome(data: bytes, name: str, **limits: int) -> Transcript | TranscriptError:
    try:
        return parse_transcript(data, name, **limits)
    except TranscriptError as error:
        return error


_ALL = {"max_turns": 10**9, "max_speakers": 10**9, "max_entries": 10**9}
_EARLY = re.compile(r"(has|names) more than ")


def _check_same_verdict(data: bytes, name: str, max_turns: int, max_speakers: int) -> None:
    limits = {"max_turns": max_turns, "max_speakers": max_speakers, "max_entries": 10**9}
    whole = _outcome(data, name, **_ALL)
    now = _outcome(data, name, **limits)
    if isinstance(now, TranscriptError) and _EARLY.search(str(now)):
        # Refused while reading: reading all of it gives that many turns (and speakers).
        assert isinstance(whole, Transcript), whole
        assert len(whole.turns) > 2 * max_turns
        if isinstance(now, TooManySpeakersError):
            assert len(whole.speakers) > max_speakers
    else:
        # Otherwise exactly what reading everything and then checking the counts gives.
        if isinstance(whole, Transcript) and len(whole.speakers) > max_speakers:
            assert isinstance(now, TooManySpeakersError), now
        elif isinstance(whole, Transcript) and len(whole.turns) > max_turns:
            assert isinstance(now, TooManyTurnsError), now
        elif isinstance(whole, Transcript):
            assert now == whole
        else:
            assert type(now) is type(whole) and str(now) == str(whole)


@settings(max_examples=400, deadline=None)
@given(st.lists(_LINE, max_size=40), st.integers(min_value=1, max_value=6), st.integers(1, 4))
def test_text_read_with_the_budget_is_refused_only_when_read_whole_it_would_be(
    lines_, max_turns, max_speakers
):
    _check_same_verdict(_text_file(lines_), "x.txt", max_turns, max_speakers)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(_LINE, min_size=1, max_size=3), max_size=15),
    st.integers(min_value=1, max_value=6),
    st.integers(1, 4),
)
def test_captions_read_with_the_budget_are_refused_only_when_read_whole_they_would_be(
    cues, max_turns, max_speakers
):
    _check_same_verdict(_vtt_file(cues), "x.vtt", max_turns, max_speakers)
