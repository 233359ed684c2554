from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.transcripts.parsing import (
    MAX_TRANSCRIPT_BYTES,
    CsvColumnsError,
    EmptyTranscriptError,
    NotATranscriptError,
    SingleSpeakerError,
    Transcript,
    TranscriptEncodingError,
    TranscriptError,
    TranscriptTooLargeError,
    Turn,
    UnknownSpeakerError,
    UnsupportedFormatError,
    guess_roles,
    parse_timestamp,
    parse_transcript,
)
from tests.transcripts._helpers import fixture_bytes

# --- formats -------------------------------------------------------------------------


def test_it_reads_a_zoom_vtt_with_name_prefixes_and_merges_same_speaker_cues():
    t = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    assert t.format == "vtt"
    assert t.speakers == ("Dr Alex Moreno", "Sam Okafor")
    assert [turn.speaker for turn in t.turns] == [
        "Dr Alex Moreno",
        "Sam Okafor",
        "Dr Alex Moreno",
        "Sam Okafor",
    ]
    merged = t.turns[1]
    assert merged.text == (
        "I've been thinking about my drinking. It's been getting out of hand. "
        "My sister said something at dinner and it stuck with me."
    )
    assert (merged.start, merged.end) == (4.5, 12.0)
    assert [turn.index for turn in t.turns] == [0, 1, 2, 3]


def test_it_reads_teams_voice_tags_and_unescapes_entities():
    t = parse_transcript(fixture_bytes("teams.vtt"), "teams.vtt")
    assert t.speakers == ("Jordan Lee (Counsellor)", "Riley Park")
    assert len(t.turns) == 3
    assert t.turns[1].text == (
        "Honestly, pretty rough. I barely slept. Work has been piling up & I keep putting it off."
    )
    assert (t.turns[1].start, t.turns[1].end) == (3.9, 9.8)
    assert "<v" not in t.turns[0].text


def test_it_reads_a_meet_vtt_whose_header_has_a_title():
    t = parse_transcript(fixture_bytes("meet.vtt"), "captions.vtt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[2].text == "You'd like to start there. What happened?"
    assert t.turns[2].start == 8.5


def test_it_reads_several_voices_in_one_cue():
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Ana>Hello?</v>\n<v Ben>Hi there.</v>\n"
    t = parse_transcript(data, "x.vtt")
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Ana", "Hello?"),
        ("Ben", "Hi there."),
    ]


def test_it_reads_srt_with_crlf_and_unlabelled_continuation_cues():
    t = parse_transcript(fixture_bytes("session.srt"), "session.srt")
    assert t.format == "srt"
    assert t.speakers == ("Counsellor", "Client")
    assert t.turns[1].text == "Nervous, mostly. But also a bit excited."
    assert (t.turns[1].start, t.turns[1].end) == (4.0, 9.0)


def test_it_reads_plain_text_with_continuation_lines_and_no_timestamps():
    t = parse_transcript(fixture_bytes("session.txt"), "session.txt")
    assert t.format == "txt"
    assert len(t.turns) == 4
    assert (
        t.turns[1].text
        == "My doctor thought it might help. I'm not sure it will. I've tried things before."
    )
    assert all(turn.start is None and turn.end is None for turn in t.turns)


def test_it_reads_timestamps_written_before_labels_in_plain_text():
    data = b"[00:01:05] Therapist: Hello.\n[00:01:09] Client: Hi.\n"
    t = parse_transcript(data, "notes.txt")
    assert [turn.start for turn in t.turns] == [65.0, 69.0]


def test_it_reads_timestamp_only_lines_and_speaker_header_lines():
    meet_doc = b"00:00:00\nAna: Shall we begin?\nBen: Yes.\n00:05:00\nAna: How is that?\n"
    # A timestamp line times the next line only (see test_transcript_text_times.py).
    assert [t.start for t in parse_transcript(meet_doc, "m.txt").turns] == [0.0, None, 300.0]
    otter = b"Speaker 1  0:03\nHow are you?\n\nSpeaker 2  0:10\nNot bad.\nThanks.\n"
    t = parse_transcript(otter, "o.txt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Speaker 1", "How are you?", 3.0),
        ("Speaker 2", "Not bad. Thanks.", 10.0),
    ]


def test_it_reads_speakers_in_square_brackets_and_keeps_annotations_as_text():
    data = (
        b"[Therapist] How are you?\n[Client] Not great.\n[laughs] Really not.\n"
        b"[Therapist]\nTell me more.\n[00:01:05] [Client]: Work.\n[Long pause]\n"
        b"[Therapist] I see.\n[Client] [sighs] Yes.\n"
    )
    t = parse_transcript(data, "notes.txt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "How are you?", None),
        ("Client", "Not great. [laughs] Really not.", None),
        ("Therapist", "Tell me more.", None),
        ("Client", "Work. [Long pause]", 65.0),
        ("Therapist", "I see.", None),
        ("Client", "[sighs] Yes.", None),
    ]


def test_a_one_off_bracketed_sound_is_put_back_as_written():
    data = (
        b"[Therapist] How are you?\n[Client] Not great.\n[Therapist] Why?\n"
        b"[Client] Work.\n[Phone rings] Sorry about that.\n"
    )
    t = parse_transcript(data, "notes.txt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[-1].text == "Work. [Phone rings] Sorry about that."


def test_it_reads_a_rev_export_with_the_timestamp_as_the_turn_start():
    data = (
        b"Speaker 1 (00:03):\nHow are you?\n\nSpeaker 2 (00:10):\nNot great.\nReally not.\n\n"
        b"Dr. Jo Ames (she/her) (01:02:03):\nTell me more.\n\nSpeaker 2 (01:02:09): Work.\n"
    )
    t = parse_transcript(data, "rev.txt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Speaker 1", "How are you?", 3.0),
        ("Speaker 2", "Not great. Really not.", 10.0),
        ("Dr. Jo Ames (she/her)", "Tell me more.", 3723.0),
        ("Speaker 2", "Work.", 3729.0),
    ]


def test_it_reads_csv_with_speaker_text_start_end():
    t = parse_transcript(fixture_bytes("session.csv"), "session.csv")
    assert t.format == "csv"
    assert len(t.turns) == 3
    assert t.turns[1].text == "Getting the report finished. And calling my mum."
    assert (t.turns[1].start, t.turns[1].end) == (4.0, 7.5)


def test_it_reads_csv_with_a_role_column_and_clock_times():
    data = b"role,text,start\ntherapist,Hi.,00:00:01\nclient,Hello.,00:00:02.5\n"
    t = parse_transcript(data, "x.csv")
    assert t.speakers == ("therapist", "client")
    assert [turn.start for turn in t.turns] == [1.0, 2.5]


def test_content_wins_over_a_misleading_extension():
    assert parse_transcript(fixture_bytes("zoom.vtt"), "renamed.txt").format == "vtt"


def test_speaker_names_match_regardless_of_case_and_keep_the_first_spelling():
    t = parse_transcript(
        b"Therapist: Hi.\nCLIENT: Hello.\nclient: Again.\nTHERAPIST: Ok.\n", "x.txt"
    )
    assert t.speakers == ("Therapist", "CLIENT")
    assert len(t.turns) == 3


def test_a_colon_inside_speech_is_not_taken_for_a_speaker():
    data = (
        b"Therapist: What happened?\nClient: I was late.\nTherapist: And then?\n"
        b"Client: Well.\nSo the thing is: I forgot.\nTherapist: I see. See you at 10:30.\n"
    )
    t = parse_transcript(data, "x.txt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[3].text == "Well. So the thing is: I forgot."
    assert t.turns[4].text == "I see. See you at 10:30."


OTTER = (
    "Jo Smith  0:03\nWhat happened?\n\nSam Lee  0:10\nI was late.\n\n"
    "Jo Smith  0:20\nAnd then?\n\nSam Lee  0:30\nWell.\n{line}\n"
)
REV = (
    "Jo Smith (00:03):\nWhat happened?\n\nSam Lee (00:10):\nI was late.\n\n"
    "Jo Smith (00:20):\nAnd then?\n\nSam Lee (00:30):\nWell.\n{line}\n"
)


@pytest.mark.parametrize("export", [OTTER, REV], ids=["otter", "rev"])
def test_a_one_off_colon_inside_speech_under_header_lines_is_speech(export):
    t = parse_transcript(export.format(line="So the thing is: I forgot.").encode(), "x.txt")
    assert t.speakers == ("Jo Smith", "Sam Lee")
    assert t.turns[-1].text == "Well. So the thing is: I forgot."
    assert t.turns[-1].start == 30.0


@pytest.mark.parametrize("export", [OTTER, REV], ids=["otter", "rev"])
def test_a_one_off_colon_right_under_a_header_line_stays_with_that_header(export):
    data = export.replace("Well.\n", "").format(line="So the thing is: I forgot.")
    t = parse_transcript(data.encode(), "x.txt")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns][-2:] == [
        ("Jo Smith", "And then?", 20.0),
        ("Sam Lee", "So the thing is: I forgot.", 30.0),
    ]


def test_a_one_off_label_alone_on_its_line_is_speech_of_the_current_speaker():
    data = (
        b"Therapist: What happened?\nClient: I was late.\nTherapist: And then?\n"
        b"Client: Well.\nSo the thing is:\nI forgot.\nTherapist: I see.\n"
    )
    t = parse_transcript(data, "x.txt")
    assert t.speakers == ("Therapist", "Client")
    assert t.turns[3].text == "Well. So the thing is: I forgot."


def test_a_speaker_named_alone_on_a_line_twice_stays_a_speaker():
    data = (
        b"Therapist:\nWhat happened?\nClient:\nI was late.\nTherapist:\nAnd then?\n"
        b"Client:\nWell.\n[Therapist]\nI see.\n"
    )
    t = parse_transcript(data, "x.txt")
    assert [(turn.speaker, turn.text) for turn in t.turns] == [
        ("Therapist", "What happened?"),
        ("Client", "I was late."),
        ("Therapist", "And then?"),
        ("Client", "Well."),
        ("Therapist", "I see."),
    ]


def test_a_timestamp_before_a_label_alone_on_its_line_times_the_speech_after_it():
    data = b"[00:00:05] Therapist:\nHow are you?\n[00:00:09] Client:\nOkay.\n"
    t = parse_transcript(data, "x.txt")
    assert [(turn.text, turn.start) for turn in t.turns] == [("How are you?", 5.0), ("Okay.", 9.0)]


def test_labels_without_any_speech_say_there_is_no_spoken_text():
    with pytest.raises(EmptyTranscriptError, match="no spoken text"):
        parse_transcript(b"Therapist:\nClient:\n", "x.txt")


def test_unlabelled_text_before_the_first_speaker_is_skipped_with_a_note():
    data = (
        b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nRecording started\n\n"
        b"00:00:01.000 --> 00:00:02.000\nA: Hi.\n\n00:00:02.000 --> 00:00:03.000\nB: Hello.\n"
    )
    t = parse_transcript(data, "x.vtt")
    assert t.turns[0].text == "Hi."
    assert t.notes == ("Skipped 1 line at the start with no speaker label.",)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_it_decodes_utf8_with_bom_and_utf16_with_bom(encoding):
    data = "Thérapeute: Bonjour ?\nCliente: Ça va.\n".encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    t = parse_transcript(data, "x.txt")
    assert t.speakers == ("Thérapeute", "Cliente")


def test_turn_and_transcript_are_frozen():
    t = parse_transcript(fixture_bytes("meet.vtt"), "x.vtt")
    assert isinstance(t, Transcript) and isinstance(t.turns[0], Turn)
    with pytest.raises(AttributeError):
        t.turns[0].text = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("01:02:03.5", 3723.5), ("02:03", 123.0), ("12.5", 12.5), ("00:00:01,250", 1.25), ("", None)],
)
def test_parse_timestamp_reads_clock_and_second_values(value, seconds):
    assert parse_timestamp(value) == seconds


# --- errors ----------------------------------------------------------------------------


def test_an_empty_file_says_it_is_empty():
    with pytest.raises(EmptyTranscriptError, match="This file is empty"):
        parse_transcript(b"  \n", "x.vtt")


def test_a_vtt_without_cues_says_there_is_no_spoken_text():
    with pytest.raises(EmptyTranscriptError, match="no spoken text"):
        parse_transcript(b"WEBVTT\n\n", "x.vtt")


def test_text_that_is_not_utf8_says_so():
    with pytest.raises(TranscriptEncodingError, match="not UTF-8 text"):
        parse_transcript("Thérapeute: Bonjour\nClient: Salut\n".encode("latin-1"), "x.txt")


def test_a_pdf_is_refused_as_the_wrong_kind_of_file():
    with pytest.raises(UnsupportedFormatError, match="looks like a PDF document"):
        parse_transcript(b"%PDF-1.7\n\x00\x01binary", "session.pdf")


def test_a_word_document_is_refused_with_export_advice():
    with pytest.raises(UnsupportedFormatError, match=r"Export the transcript .* \(\.vtt\)"):
        parse_transcript(b"PK\x03\x04\x14\x00\x06\x00", "session.docx")


def test_prose_without_speaker_labels_is_not_a_transcript():
    with pytest.raises(NotATranscriptError, match="No speaker labels were found"):
        parse_transcript(b"We talked about her week and the argument with her partner.\n", "x.txt")


def test_captions_without_speaker_labels_are_not_a_transcript():
    data = b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhello there\n"
    with pytest.raises(NotATranscriptError, match="No speaker labels"):
        parse_transcript(data, "x.vtt")


def test_a_single_speaker_is_refused_naming_the_speaker():
    with pytest.raises(SingleSpeakerError, match=r"Only one speaker \(Ana\) was found"):
        parse_transcript(b"Ana: Hello.\nAna: Anyone there?\n", "x.txt")


def test_a_file_over_the_limit_is_too_large_before_anything_is_read():
    # Just over 5 MB reads "5.1 MB", never "5.0 MB; ... limited to 5.0 MB".
    with pytest.raises(TranscriptTooLargeError, match=r"This file is 5\.1 MB.*limited to 5\.0 MB"):
        parse_transcript(b"A: x\n" * (MAX_TRANSCRIPT_BYTES // 5 + 1), "x.txt")


def test_the_size_limit_can_be_lowered():
    with pytest.raises(TranscriptTooLargeError, match="limited to 1 kB"):
        parse_transcript(b"A: hi\nB: hello\n" * 200, "x.txt", max_bytes=1024)


def test_a_csv_without_a_text_column_names_what_is_missing():
    with pytest.raises(
        CsvColumnsError, match=r"needs a 'text' column \(found: 'speaker', 'words'\)"
    ):
        parse_transcript(b"speaker,words\nA,hi\n", "x.csv")


def test_a_csv_without_speaker_or_role_names_both_options():
    with pytest.raises(CsvColumnsError, match="needs a 'speaker' or 'role' column"):
        parse_transcript(b"text\nhi\n", "x.csv")


def test_a_csv_with_a_bad_time_names_the_line_and_column():
    with pytest.raises(CsvColumnsError, match=r"Line 3 .* 'soon' in the 'start' column"):
        parse_transcript(b"speaker,text,start\nA,hi,1\nB,hello,soon\n", "x.csv")


def test_every_error_is_a_transcript_error_and_a_value_error():
    for cls in (
        EmptyTranscriptError,
        TranscriptEncodingError,
        UnsupportedFormatError,
        NotATranscriptError,
        SingleSpeakerError,
        TranscriptTooLargeError,
        CsvColumnsError,
        UnknownSpeakerError,
    ):
        assert issubclass(cls, TranscriptError) and issubclass(cls, ValueError)


@pytest.mark.parametrize(
    "data",
    [b"\x00" * 10, b"\xff\xfe\x00", b"WEBVTT\n\n00:00:xx --> y\nA: hi\n", b":::\n:::", b"\n\n\r\r"],
)
def test_odd_bytes_raise_a_transcript_error_not_a_crash(data):
    with pytest.raises(TranscriptError):
        parse_transcript(data, "x")


# --- roles -------------------------------------------------------------------------------


def test_a_dr_label_marks_the_therapist():
    t = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    assert guess_roles(t) == {"Dr Alex Moreno": "therapist", "Sam Okafor": "client"}


def test_a_counsellor_label_marks_the_therapist_even_when_the_client_opens():
    t = parse_transcript(
        b"Client: Can we start?\nCounsellor: Of course.\nClient: Thanks.\n", "x.txt"
    )
    assert guess_roles(t)["Counsellor"] == "therapist"


def test_without_labels_the_speaker_asking_more_questions_is_the_therapist():
    data = (
        b"Maya: I had a hard week.\nLeo: What made it hard?\nMaya: Work.\n"
        b"Leo: What about work?\nMaya: My manager.\nLeo: How so?\n"
    )
    assert guess_roles(parse_transcript(data, "x.txt")) == {"Maya": "client", "Leo": "therapist"}


def test_the_therapist_can_be_named_explicitly_ignoring_case():
    t = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    roles = guess_roles(t, therapist="sam okafor")
    assert roles == {"Dr Alex Moreno": "client", "Sam Okafor": "therapist"}


def test_naming_an_unknown_therapist_lists_the_speakers():
    t = parse_transcript(fixture_bytes("zoom.vtt"), "zoom.vtt")
    with pytest.raises(
        UnknownSpeakerError, match="no speaker called 'Kim'.*Dr Alex Moreno, Sam Okafor"
    ):
        guess_roles(t, therapist="Kim")


def test_with_three_speakers_one_is_therapist_and_the_others_clients():
    data = b"Therapist: What brings you both?\nAna: Arguments.\nBen: Constant ones.\n"
    roles = guess_roles(parse_transcript(data, "x.txt"))
    assert roles == {"Therapist": "therapist", "Ana": "client", "Ben": "client"}


# --- robustness ----------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "WEBVTT\n",
        "\n",
        "00:00:01.000 --> 00:00:02.000\n",
        "1\n",
        "<v A>",
        "</v>",
        "A: ",
        "B: ",
        "hi",
        "?",
        ":",
        "\r\n",
        "\ufeff",
        "speaker,text\n",
        ",",
        "00:01 ",
        "[",
        "]",
        "é",
        "\x00",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=300), st.lists(_PIECES, max_size=40).map(lambda p: "".join(p).encode())
    )
)
def test_any_input_gives_a_transcript_or_a_transcript_error(data):
    try:
        t = parse_transcript(data, "upload")
    except TranscriptError as exc:
        assert str(exc)
    else:
        assert len(t.speakers) >= 2 and t.turns
        assert [turn.index for turn in t.turns] == list(range(len(t.turns)))


def test_a_role_in_brackets_after_a_teams_name_marks_the_therapist():
    t = parse_transcript(fixture_bytes("teams.vtt"), "teams.vtt")
    assert guess_roles(t) == {"Jordan Lee (Counsellor)": "therapist", "Riley Park": "client"}
