"""Timestamps in plain-text transcripts: Google Meet documents and times inside speech.

All people are invented.
"""

from __future__ import annotations

from rapport.transcripts.analysis import analyze
from rapport.transcripts.parsing import parse_transcript
from tests.transcripts._helpers import FakeCoder, fixture_bytes


def test_a_meet_timestamp_line_times_only_the_line_after_it() -> None:
    t = parse_transcript(fixture_bytes("meet_doc.txt"), "meet_doc.txt")
    assert t.speakers == ("Jo Smith", "Sam Lee")
    starts = [turn.start for turn in t.turns]
    assert starts == [0.0, None, None, None, 300.0, None, None, None, 600.0]


def test_a_meet_document_has_no_talk_share_by_time_rather_than_zero() -> None:
    t = parse_transcript(fixture_bytes("meet_doc.txt"), "meet_doc.txt")
    analysis = analyze(t, None, FakeCoder())
    assert analysis.metrics.therapist_talk_share_by_time is None
    assert analysis.metrics.therapist_talk_share is not None


def test_a_header_line_times_only_its_first_line_of_speech() -> None:
    data = b"Speaker 1  0:03\nHow are you?\nAnd the week?\n\nSpeaker 2  0:10\nFine.\n"
    t = parse_transcript(data, "otter.txt")
    assert [(turn.text, turn.start) for turn in t.turns] == [
        ("How are you? And the week?", 3.0),
        ("Fine.", 10.0),
    ]


def test_a_line_of_speech_starting_with_a_time_keeps_the_time_as_words() -> None:
    data = b"Therapist: When did you wake up?\nClient:\n7:30 I think, then\nTherapist: ok\n"
    t = parse_transcript(data, "notes.txt")
    assert [(turn.text, turn.start) for turn in t.turns] == [
        ("When did you wake up?", None),
        ("7:30 I think, then", None),
        ("ok", None),
    ]


def test_a_bare_time_before_a_label_is_still_the_lines_timestamp() -> None:
    data = b"00:05 Therapist: How are you?\n0:09 Client: Okay.\n[00:12] Not bad.\n"
    t = parse_transcript(data, "notes.txt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "How are you?", 5.0),
        ("Client", "Okay. Not bad.", 9.0),
    ]


def test_a_meet_documents_closing_line_is_not_the_last_speakers_words() -> None:
    data = (
        "00:00:00\nJo Smith: How has the week been?\nSam Lee: Better, I walked twice.\n"
        "Meeting ended after 00:10:00 \N{WAVING HAND SIGN}\n"
    ).encode()
    t = parse_transcript(data, "meet_doc.txt")
    assert t.turns[-1].text == "Better, I walked twice."


def test_a_meet_documents_disclaimer_is_not_the_last_speakers_words() -> None:
    # The end of a Google Meet transcript saved from Docs as plain text.
    data = (
        b"Weekly session - Transcript\nAttendees\nJo Smith, Sam Lee\nTranscript\n00:00:00\n\n"
        b"Jo Smith: How has the week been?\nSam Lee: Better, I walked twice.\n"
        b"Transcription ended after 00:06:12\n\n"
        b"This editable transcript was computer generated and might contain errors. People "
        b"can also change the text after it was created.\n"
    )
    t = parse_transcript(data, "meet_doc.txt")
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Jo Smith", "How has the week been?"),
        ("Sam Lee", "Better, I walked twice."),
    ]
