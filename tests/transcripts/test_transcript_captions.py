"""WebVTT and SRT files as exports and hand edits really leave them.

All people are invented.
"""

from __future__ import annotations

import pytest

from rapport.transcripts.parsing import NotATranscriptError, parse_transcript

CUES = (
    "00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
    "00:00:03.500 --> 00:00:05.000\nClient: Not great.\n"
)
EXPECTED = [("Therapist", "How are you?", 1.0), ("Client", "Not great.", 3.5)]


def _turns(data: str, name: str) -> list[tuple[str, str, float | None]]:
    t = parse_transcript(data.encode(), name)
    return [(turn.speaker, turn.text, turn.start) for turn in t.turns]


# --- fix: leading blank lines and SRT without (clean) indexes ------------------------------


@pytest.mark.parametrize("before", ["\n\n", "  ", "\n \n\t"])
def test_blank_lines_or_spaces_before_webvtt_are_harmless(before: str) -> None:
    assert _turns(f"{before}WEBVTT\n\n{CUES}", "session.vtt") == EXPECTED


SRT_VARIANTS = {
    "missing first index": (
        "00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        "2\n00:00:03,500 --> 00:00:05,000\nClient: Not great.\n"
    ),
    "no indexes": (
        "00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        "00:00:03,500 --> 00:00:05,000\nClient: Not great.\n"
    ),
    "leading blank lines": (
        "\n\n1\n00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        "2\n00:00:03,500 --> 00:00:05,000\nClient: Not great.\n"
    ),
    "index with a trailing space": (
        "1 \n00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        "2\t\n00:00:03,500 --> 00:00:05,000\nClient: Not great.\n"
    ),
    "no blank line between cues": (
        "00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n"
        "00:00:03,500 --> 00:00:05,000\nClient: Not great.\n"
    ),
}


@pytest.mark.parametrize("variant", SRT_VARIANTS)
def test_an_srt_with_missing_or_untidy_indexes_is_read(variant: str) -> None:
    assert _turns(SRT_VARIANTS[variant], "session.srt") == EXPECTED


def test_a_headerless_webvtt_with_hours_is_read_like_srt() -> None:
    assert _turns(CUES, "session.vtt") == EXPECTED


# --- fix: only real cue tags are removed, voice names are unescaped ------------------------


def test_angle_brackets_people_said_are_kept_and_cue_tags_removed() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n"
        "Therapist: On a scale, is it <5 or >5? <i>Honestly</i> <c.yellow>now</c>.\n\n"
        "00:00:03.000 --> 00:00:05.000\n"
        "<v.loud Client>I'd say 3 <00:00:04.000>< 5 and x>2, <b>&lt;3</b> you.</v>\n"
    )
    assert [text for _, text, _ in _turns(data, "session.vtt")] == [
        "On a scale, is it <5 or >5? Honestly now.",
        "I'd say 3 < 5 and x>2, <3 you.",
    ]


def test_an_srt_font_tag_is_removed() -> None:
    data = (
        '1\n00:00:01,000 --> 00:00:03,000\n<font color="#fff">Therapist:</font> Hi.\n\n'
        "2\n00:00:03,500 --> 00:00:05,000\nClient: Hello.\n"
    )
    assert _turns(data, "session.srt") == [("Therapist", "Hi.", 1.0), ("Client", "Hello.", 3.5)]


def test_html_entities_in_a_voice_name_are_unescaped() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Tom &amp; Jo&#39;s Clinic>Hi.</v>\n\n"
        "00:00:03.000 --> 00:00:05.000\n<v Sam>Hello.</v>\n"
    )
    assert parse_transcript(data.encode(), "x.vtt").speakers == ("Tom & Jo's Clinic", "Sam")


# --- fix: continuation lines within a cue -------------------------------------------------


def test_lines_inside_an_open_voice_span_belong_to_that_voice() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Therapist>How did it go?</v>\n\n"
        "00:00:03.000 --> 00:00:06.000\n<v Client>Then my mum said\nMum: you never listen</v>\n\n"
        "00:00:06.000 --> 00:00:08.000\n<v Therapist>That hurt.\n<v Client>It did.\n"
    )
    assert _turns(data, "teams.vtt") == [
        ("Therapist", "How did it go?", 1.0),
        ("Client", "Then my mum said Mum: you never listen", 3.0),
        ("Therapist", "That hurt.", 6.0),
        ("Client", "It did.", 6.0),
    ]


def test_a_one_off_word_and_colon_on_a_later_cue_line_is_speech() -> None:
    data = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nTherapist: How did it go?\n\n"
        "2\n00:00:03.000 --> 00:00:06.000\nClient: and the doctor told me\n"
        "Warning: it could get worse.\n\n"
        "3\n00:00:06.000 --> 00:00:08.000\nTherapist: That sounds scary.\n"
    )
    t = parse_transcript(data.encode(), "zoom.vtt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[1].text == "and the doctor told me Warning: it could get worse."


@pytest.mark.parametrize("where", ["first line", "later line"])
def test_a_one_off_word_and_colon_alone_on_a_cue_line_is_speech(where: str) -> None:
    cue = (
        "So the thing is:\nI forgot."
        if where == "first line"
        else "Well.\nSo the thing is:\nI forgot."
    )
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: What happened?\n\n"
        "00:00:03.000 --> 00:00:04.000\nClient: I was late.\n\n"
        "00:00:04.000 --> 00:00:05.000\nTherapist: And then?\n\n"
        "00:00:05.000 --> 00:00:06.000\nClient: Hmm.\n\n"
        f"00:00:06.000 --> 00:00:08.000\n{cue}\n"
    )
    t = parse_transcript(data.encode(), "zoom.vtt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[-1].text.endswith("So the thing is: I forgot.")
    assert t.turns[-1].end == 8.0


def test_a_second_speaker_inside_a_cue_who_speaks_elsewhere_is_kept() -> None:
    data = (
        "1\n00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\nClient: Fine.\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nClient: Really.\n\n"
        "3\n00:00:05,000 --> 00:00:07,000\n- Therapist: Good.\n- Pat: And me.\n"
    )
    assert [speaker for speaker, _, _ in _turns(data, "session.srt")] == [
        "Therapist",
        "Client",
        "Therapist",
        "Pat",
    ]


def test_a_label_alone_on_the_first_line_of_a_cue_names_the_next_lines() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist:\nHow are you feeling today?\n\n"
        "00:00:03.000 --> 00:00:05.000\nClient:\nNot great.\nAt all.\n\n"
        "00:00:05.000 --> 00:00:07.000\nTherapist:\nTell me more.\n"
    )
    assert _turns(data, "session.vtt") == [
        ("Therapist", "How are you feeling today?", 1.0),
        ("Client", "Not great. At all.", 3.0),
        ("Therapist", "Tell me more.", 5.0),
    ]


# --- fix: cue timings that some tools write and webvtt-py refuses --------------------------

SRT_WITHOUT_HOURS = (
    "1\n00:01,000 --> 00:03,000\nTherapist: How are you?\n\n"
    "2\n00:03,500 --> 00:05,000\nClient: Not great.\n"
)


@pytest.mark.parametrize("name", ["session.srt", "session.txt", "upload"])
def test_an_srt_whose_timings_have_no_hours_is_read_as_captions(name: str) -> None:
    t = parse_transcript(SRT_WITHOUT_HOURS.encode(), name)
    assert t.format == "srt"
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        ("Therapist", "How are you?", 1.0, 3.0),
        ("Client", "Not great.", 3.5, 5.0),
    ]


def test_an_srt_without_hours_indexes_or_milliseconds_is_read_when_named_srt() -> None:
    data = "00:01 --> 00:03\nTherapist: How are you?\n\n00:03 --> 00:05\nClient: Not great.\n"
    assert _turns(data, "session.srt") == [
        ("Therapist", "How are you?", 1.0),
        ("Client", "Not great.", 3.0),
    ]


@pytest.mark.parametrize(
    "timings",
    [
        ("00:00:01,000 --> 00:00:03,000", "00:00:03,500 --> 00:00:05,000"),  # SRT-style comma
        ("00:01,000 --> 00:03,000", "00:03,500 --> 00:05,000"),  # comma, no hours
        ("00:00:01 --> 00:00:03", "00:00:03.5 --> 00:00:05"),  # no milliseconds
        ("00:01 --> 00:03", "00:03,5 --> 00:05 align:start"),  # mixed, with a cue setting
    ],
)
def test_webvtt_timings_with_a_comma_or_without_milliseconds_are_read(
    timings: tuple[str, str],
) -> None:
    first, second = timings
    data = f"WEBVTT\n\n1\n{first}\nTherapist: How are you?\n\n2\n{second}\nClient: Not great.\n"
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        ("Therapist", "How are you?", 1.0, 3.0),
        ("Client", "Not great.", 3.5, 5.0),
    ]


# --- fix: a blank line inside a WebVTT cue does not lose the rest of the cue ----------------


def test_text_after_a_blank_line_inside_a_webvtt_cue_stays_with_that_cue() -> None:
    data = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        "And how was the week?\n\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\nClient: Not great.\n\nReally not.\n\n"
        "NOTE a comment stays a comment\n\n"
        "3\n00:00:05.000 --> 00:00:07.000\nTherapist: I'm sorry.\n"
    )
    assert _turns(data, "session.vtt") == [
        ("Therapist", "How are you? And how was the week?", 1.0),
        ("Client", "Not great. Really not.", 3.5),
        ("Therapist", "I'm sorry.", 5.0),
    ]


def test_a_voice_span_continues_after_a_blank_line_inside_its_cue() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Therapist>How are you?\n\n"
        "And the week?</v>\n\n00:00:03.500 --> 00:00:05.000\n<v Client>Fine.</v>\n"
    )
    assert _turns(data, "teams.vtt") == [
        ("Therapist", "How are you? And the week?", 1.0),
        ("Client", "Fine.", 3.5),
    ]


def test_a_line_of_speech_right_before_a_timing_line_is_not_taken_for_a_cue_id() -> None:
    # Without a blank line before the next cue, webvtt-py reads "Okay then." as its id.
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\nOkay then.\n"
        "00:00:03.500 --> 00:00:05.000\nClient: Not great.\n\n"
        "a1b2-7\n00:00:05.000 --> 00:00:07.000\nTherapist: I see.\n"
    )
    assert _turns(data, "session.vtt") == [
        ("Therapist", "How are you? Okay then.", 1.0),
        ("Client", "Not great.", 3.5),
        ("Therapist", "I see.", 5.0),
    ]


def test_cue_ids_with_spaces_are_ids_when_the_file_gives_every_cue_one() -> None:
    # The WebVTT standard allows any id without "-->"; some tools write "Segment 12".
    data = "WEBVTT\n\n" + "".join(
        f"Segment {n}\n00:00:0{n}.000 --> 00:00:0{n}.900\n{speaker}: {text}\n\n"
        for n, speaker, text in [
            (1, "Therapist", "How are you?"),
            (2, "Client", "Not great."),
            (3, "Therapist", "I see."),
        ]
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "How are you?", 1.0),
        ("Client", "Not great.", 2.0),
        ("Therapist", "I see.", 3.0),
    ]
    assert t.notes == ()


def test_one_spaced_line_before_a_timing_line_in_a_file_without_ids_stays_speech() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\nOkay then.\n"
        "00:00:03.500 --> 00:00:05.000\nClient: Not great.\n\n"
        "00:00:05.000 --> 00:00:07.000\nTherapist: I see.\n"
    )
    assert _turns(data, "session.vtt")[0] == ("Therapist", "How are you? Okay then.", 1.0)


# --- fix: mistyped cue arrows are repaired, not dropped with their speech -------------------

MISTYPED_ARROWS = [
    "->",
    "–>",
    "—>",
    "−>",
    "- ->",
    "-- >",
    "--->",
    "=>",
    "→",
    "⇒",
    "－－＞",
    "-",  # the ">" lost: read only between full cue times (hours or milliseconds)
    "—",
]


@pytest.mark.parametrize("arrow", MISTYPED_ARROWS)
def test_a_webvtt_cue_with_a_mistyped_arrow_keeps_its_speech_and_times(arrow: str) -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        f"00:00:03.500 {arrow} 00:00:05.000\nClient: Not great.\n"
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text, turn.start, turn.end) for turn in t.turns] == [
        ("Therapist", "How are you?", 1.0, 3.0),
        ("Client", "Not great.", 3.5, 5.0),
    ]
    assert t.notes == ()


@pytest.mark.parametrize("arrow", MISTYPED_ARROWS)
def test_an_srt_cue_with_a_mistyped_arrow_keeps_its_speech_and_times(arrow: str) -> None:
    data = (
        "1\n00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        f"2\n00:00:03,500{arrow}00:00:05,000\nClient: Not great.\n"
    )
    assert _turns(data, "session.srt") == EXPECTED


def test_a_headerless_file_whose_arrows_are_all_mistyped_is_still_read_as_captions() -> None:
    data = (
        "1\n00:00:01,000 – > 00:00:03,000\nTherapist: How are you?\n\n"
        "2\n00:00:03,500 – > 00:00:05,000\nClient: Not great.\n"
    )
    t = parse_transcript(data.encode(), "session.txt")
    assert t.format == "srt"
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == EXPECTED


@pytest.mark.parametrize("said", ["9:00 - 17:00", "2 -> 3 apples", "1:1 -> good"])
def test_a_line_of_speech_with_a_dash_or_arrow_is_not_taken_for_a_timing(said: str) -> None:
    # A dash alone joins only full cue times; an arrow joins only time-like sides.
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: When do you work?\n\n"
        f"00:00:03.500 --> 00:00:05.000\nClient: Mostly\n{said}\n"
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert (t.turns[-1].speaker, t.turns[-1].text) == ("Client", f"Mostly {said}")
    assert t.notes == ()


# --- fix: a cue whose timing cannot be read keeps its speech, with a note -------------------


def test_a_webvtt_cue_with_an_unreadable_timing_keeps_its_speech_with_a_note() -> None:
    data = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        "2\n00:00:O3.500 --> 00:00:05.000\nClient: Not great.\nReally not.\n\n"
        "3\n00:00:06.000 --> 00:00:08.000\nTherapist: I'm sorry.\n"
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "How are you?", 1.0),
        ("Client", "Not great. Really not.", None),
        ("Therapist", "I'm sorry.", 6.0),
    ]
    assert t.notes == (
        "Line 8 of this file has text without a readable cue timing (mistyped or missing); "
        "the text was kept in its place, without a time.",
    )


def test_a_webvtt_time_past_59_seconds_keeps_its_speech_with_a_note() -> None:
    # webvtt-py refuses the cue (WebVTT allows 00-59); the speech must not vanish with it.
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        "00:00:75.000 --> 00:00:80.000\nClient: Not great.\n\n"
        "00:01:30.000 --> 00:01:32.000\nTherapist: I see.\n"
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Therapist", "How are you?"),
        ("Client", "Not great."),
        ("Therapist", "I see."),
    ]
    assert len(t.notes) == 1 and t.notes[0].startswith("Line 6 of this file has text")


def test_an_srt_cue_with_an_unreadable_timing_keeps_its_speech_and_what_follows() -> None:
    # webvtt-py's SRT reader drops such a cue and the blocks after it up to the next cue.
    data = (
        "1\n00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        "2\n00:00:03,500 --> 00:00:O5,000\nClient: Not great.\n\nReally not.\n\n"
        "3\n00:00:06,000 --> 00:00:08,000\nTherapist: I'm sorry.\n"
    )
    t = parse_transcript(data.encode(), "session.srt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "How are you?", 1.0),
        ("Client", "Not great. Really not.", None),
        ("Therapist", "I'm sorry.", 6.0),
    ]
    assert len(t.notes) == 1 and t.notes[0].startswith("Line 6 of this file has text")


def test_a_cue_id_before_an_unreadable_timing_is_not_read_as_speech() -> None:
    data = (
        "WEBVTT\n\nc1\n00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        "c2\n00:00:O3.500 --> 00:00:05.000\nClient: Not great.\n\n"
        "c3\n00:00:06.000 --> 00:00:08.000\nTherapist: I see.\n"
    )
    assert [text for _, text, _ in _turns(data, "session.vtt")] == [
        "How are you?",
        "Not great.",
        "I see.",
    ]


def test_several_unreadable_cues_are_named_in_one_note() -> None:
    cues = [
        ("00:00:01.000 --> 00:00:03.000", "Therapist: How are you?"),
        ("00:00:03.000 --> 00:00:0x.000", "Client: Not great."),
        ("00:00:05.000 --> 00:00:07.000", "Therapist: Why?"),
        ("00:00:07.000 -> 00:00:0y.000", "Client: Work."),
    ]
    data = "WEBVTT\n\n" + "\n".join(f"{timing}\n{text}\n" for timing, text in cues)
    t = parse_transcript(data.encode(), "session.vtt")
    assert [turn.text for turn in t.turns] == ["How are you?", "Not great.", "Why?", "Work."]
    assert t.notes[0].startswith("Lines 6 and 12 of this file have text without")


def test_the_note_names_the_unreadable_cue_when_the_next_cue_has_the_same_words() -> None:
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: Did it help?\n\n"
        "00:00:O3.000 --> 00:00:04.000\nClient: Yes.\n\n"
        "00:00:05.000 --> 00:00:06.000\nClient: Yes.\n"
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "Did it help?", 1.0),
        ("Client", "Yes. Yes.", 5.0),
    ]
    assert t.notes[0].startswith("Line 6 of this file")


def test_comments_styles_and_header_metadata_are_not_taken_for_lost_speech() -> None:
    data = (
        "WEBVTT\nKind: captions\nLanguage: en\n\nSTYLE\n::cue { color: white }\n\n"
        "NOTE exported by hand\n\n"
        "00:00:01.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        "NOTE\na longer comment\n\n00:00:03.500 --> 00:00:05.000\nClient: Not great.\n"
    )
    t = parse_transcript(data.encode(), "session.vtt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == EXPECTED
    assert t.notes == ()


def test_a_webvtt_file_none_of_whose_timings_can_be_read_is_refused_naming_the_line() -> None:
    data = (
        "WEBVTT\n\n00:00:O1.000 --> 00:00:03.000\nTherapist: How are you?\n\n"
        "00:00:O3.500 --> 00:00:05.000\nClient: Not great.\n"
    )
    with pytest.raises(NotATranscriptError, match=r"line 3\b.*00:00:01\.000 --> 00:00:04\.000"):
        parse_transcript(data.encode(), "session.vtt")


def test_an_srt_file_with_video_frame_timecodes_is_refused_naming_the_line() -> None:
    data = (
        "1\n00:00:01:05 --> 00:00:03:10\nTherapist: How are you?\n\n"
        "2\n00:00:03:10 --> 00:00:05:00\nClient: Not great.\n"
    )
    with pytest.raises(NotATranscriptError, match=r"cue timing on line 2 cannot be read"):
        parse_transcript(data.encode(), "session.srt")


# --- fix: a short fraction of a second is a decimal fraction in SRT too ---------------------


@pytest.mark.parametrize(
    ("start", "end", "name"),
    [
        ("00:00:03,5", "00:00:05,25", "session.srt"),
        ("00:00:03.5", "00:00:05.25", "session.srt"),
        ("00:03,5", "00:05,25", "session.srt"),  # no hours
        ("00:00:03,5000", "00:00:05,2500", "session.srt"),  # past milliseconds
        ("00:00:03.5", "00:00:05.25", "session.vtt"),
        ("00:00:03.5001", "00:00:05.2509", "session.vtt"),
    ],
)
def test_a_short_or_long_fraction_of_a_second_is_read_as_a_decimal_fraction(
    start: str, end: str, name: str
) -> None:
    header = "WEBVTT\n\n" if name.endswith(".vtt") else ""
    data = (
        f"{header}1\n00:00:01,000 --> 00:00:03,000\nTherapist: How are you?\n\n"
        f"2\n{start} --> {end}\nClient: Not great.\n"
    )
    t = parse_transcript(data.encode(), name)
    assert [(turn.start, turn.end) for turn in t.turns] == [(1.0, 3.0), (3.5, 5.25)]


_CUES = (
    "00:00:01,000 --> 00:00:03,000\nTherapist: How have you been?\n\n"
    "00:00:04,000 --> 00:00:06,000\nClient: Better, I think.\n\n"
    "00:00:07,000 --> 00:00:09,000\nTherapist: Tell me more.\n"
)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        # A title line before the first cue made webvtt-py refuse the whole SRT file.
        ("Session 3 transcript\n\n" + _CUES, "session.srt"),
        ("Session 3 transcript\nExported 2026-11-20\n\n1\n" + _CUES, "session.srt"),
        ("WEBVTT\n\nSession 3: intake\n\n" + _CUES.replace(",000", ".000"), "session.vtt"),
    ],
)
def test_a_title_before_the_first_cue_is_left_out_with_a_note(data, name):
    transcript = parse_transcript(data.encode(), name)
    assert [(t.speaker, t.text, t.start) for t in transcript.turns] == [
        ("Therapist", "How have you been?", 1.0),
        ("Client", "Better, I think.", 4.0),
        ("Therapist", "Tell me more.", 7.0),
    ]
    lines = data.split("\n\n")[0 if name.endswith(".srt") else 1].count("\n") + 1
    noun = "line" if lines == 1 else "lines"
    assert transcript.notes == (
        f"Skipped {lines} {noun} before the first cue (a title or note, not speech).",
    )


def test_untimed_text_after_the_first_cue_is_kept_not_taken_for_a_title():
    data = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nTherapist: Hi.\n\n"
        "00:00:04.000 --> 00:00:06.000\nClient: Hello.\n\nNOTE exported by hand\n\n"
        "Client: a cue whose timing line was deleted\n\n"
        "00:00:07.000 --> 00:00:09.000\nTherapist: How are you?\n"
    )
    transcript = parse_transcript(data.encode(), "session.vtt")
    assert [t.text for t in transcript.turns] == [
        "Hi.",
        "Hello. a cue whose timing line was deleted",
        "How are you?",
    ]
    assert not any("before the first cue" in note for note in transcript.notes)


_UNREAD_FIRST_CUE = (
    "Line 2 of this file has text without a readable cue timing (mistyped or missing); "
    "the text was kept in its place, without a time."
)


@pytest.mark.parametrize(
    "timing",
    [
        "-00:00:01,000 --> 00:00:02,000",
        "00;00;01,000 --> 00;00;02,000",
        "\u221200:00:01,000 -> 00:00:02,000",
    ],
)
def test_a_first_cue_with_an_unreadable_timing_is_kept_and_named_not_taken_for_a_title(
    timing,
) -> None:
    # It was dropped as a title, and the file refused with "Only one speaker (B)".
    data = f"1\n{timing}\nA: hi\n\n2\n00:00:03,000 --> 00:00:04,000\nB: yo\n"
    t = parse_transcript(data.encode(), "session.srt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("A", "hi", None),
        ("B", "yo", 3.0),
    ]
    assert t.notes == (_UNREAD_FIRST_CUE,)


def test_a_title_before_the_first_cue_is_still_skipped_as_one() -> None:
    data = (
        "Session 3\n\n1\n00:00:01,000 --> 00:00:02,000\nA: hi\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nB: yo\n"
    )
    t = parse_transcript(data.encode(), "session.srt")
    assert [turn.speaker for turn in t.turns] == ["A", "B"]
    assert t.notes == ("Skipped 1 line before the first cue (a title or note, not speech).",)
