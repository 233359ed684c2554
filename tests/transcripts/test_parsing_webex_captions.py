"""Webex's WebVTT transcripts name the speaker in each cue's identifier
('3 "Ana Lee" (2785654528)'), not in the text. Before, such a file was refused: "No speaker
labels were found". The names are made up."""

from __future__ import annotations

from rapport.transcripts.parsing import parse_transcript

WEBEX = b"""WEBVTT

1 "Dr Ana Lee" (2785654528)
00:00:01.000 --> 00:00:04.000
Hello, how has your week been?

2 "Sam Client" (1234567890)
00:00:04.500 --> 00:00:07.000
Quite hard.
Work again.

3 "Sam Client" (1234567890)
00:00:07.000 --> 00:00:09.000
Note: I slept badly.

4 "Dr Ana Lee" (2785654528)
00:00:09.500 --> 00:00:11.000
Dr Ana Lee: Tell me more.
"""


def test_each_cue_is_spoken_by_the_person_its_identifier_names():
    parsed = parse_transcript(WEBEX, "meeting.vtt")
    assert parsed.speakers == ("Dr Ana Lee", "Sam Client")
    assert [(t.speaker, t.text, t.start, t.end) for t in parsed.turns] == [
        ("Dr Ana Lee", "Hello, how has your week been?", 1.0, 4.0),
        # "Note:" is what the client said: the identifier says who speaks.
        ("Sam Client", "Quite hard. Work again. Note: I slept badly.", 4.5, 9.0),
        # The speaker's own name before the text is not said twice.
        ("Dr Ana Lee", "Tell me more.", 9.5, 11.0),
    ]


def test_other_cue_identifiers_name_nobody():
    others = b"""WEBVTT

1
00:00:01.000 --> 00:00:02.000
Ana: Hi.

6f1c2a9e-1b2c-4d5e-8f90-123456789abc/13-0
00:00:02.000 --> 00:00:03.000
<v Sam>Hello.</v>
"""
    parsed = parse_transcript(others, "x.vtt")
    assert [(t.speaker, t.text) for t in parsed.turns] == [("Ana", "Hi."), ("Sam", "Hello.")]


def test_a_name_in_quotes_must_still_read_as_a_name():
    data = WEBEX.replace(b'"Dr Ana Lee" (2785654528)', b'"12:30" (2785654528)')
    parsed = parse_transcript(data, "meeting.vtt")
    assert "12:30" not in parsed.speakers
    # The last cue's own "Name:" label is read as before.
    assert parsed.speakers == ("Sam Client", "Dr Ana Lee")
