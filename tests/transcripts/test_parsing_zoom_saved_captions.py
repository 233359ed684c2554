"""Zoom's saved captions ("Save captions" during a meeting) name the speaker in brackets with
the time of day, the speech on the next line. Before, the time was read as the speech's
first words ("14:03:22 Hello, ..." coded as what the client said) and no turn had a time.
The names are made up."""

from __future__ import annotations

from rapport.transcripts.parsing import parse_transcript

SAVED_CAPTIONS = b"""[Ana Lee] 14:03:22
Hello, how has your week been?
[Sam Client] 14:03:30
Quite hard, to be honest.
It was a long week.
[Ana Lee] 14:03:41
Tell me about it.
"""


def test_the_time_after_the_speakers_name_is_the_turns_start_not_speech():
    parsed = parse_transcript(SAVED_CAPTIONS, "meeting_saved_closed_caption.txt")
    assert [(t.speaker, t.text, t.start) for t in parsed.turns] == [
        ("Ana Lee", "Hello, how has your week been?", 14 * 3600 + 3 * 60 + 22),
        ("Sam Client", "Quite hard, to be honest. It was a long week.", 14 * 3600 + 3 * 60 + 30),
        ("Ana Lee", "Tell me about it.", 14 * 3600 + 3 * 60 + 41),
    ]


def test_the_time_and_the_speech_on_one_line_are_told_apart_too():
    data = b"[Ana Lee] 14:03:22 Hello.\n[Sam Client] 14:03:30.5 Hi.\n"
    parsed = parse_transcript(data, "captions.txt")
    assert [(t.text, t.start) for t in parsed.turns] == [("Hello.", 50602), ("Hi.", 50610.5)]


def test_a_time_without_seconds_after_a_bracketed_name_is_still_speech():
    # "7:30" is what a client may say; a time of day with seconds is not.
    data = b"[Ana Lee] When shall we meet?\n[Sam Client] 7:30 suits me.\n"
    parsed = parse_transcript(data, "notes.txt")
    assert parsed.turns[1].text == "7:30 suits me."
    assert parsed.turns[1].start is None
