"""CSV transcripts and ``rapport code`` input as spreadsheets really write them.

Unquoted commas in the text, semicolon and tab delimiters, UTF-16 "Unicode text", odd
header spellings, and values the csv module cannot read. All people are invented.
"""

from __future__ import annotations

import io

import pytest

from rapport.cli import main
from rapport.transcripts.analysis import code_csv
from rapport.transcripts.parsing import (
    CsvColumnsError,
    TranscriptEncodingError,
    guess_roles,
    parse_timestamp,
    parse_transcript,
)
from tests.transcripts._helpers import FakeCoder


def _coded(text: str, coder: FakeCoder | None = None) -> str:
    out = io.StringIO()
    code_csv(io.StringIO(text), out, coder or FakeCoder())
    return out.getvalue()


# --- unquoted commas in the text ---------------------------------------------------------


def test_an_unquoted_comma_in_a_last_text_column_keeps_every_word() -> None:
    data = b"speaker,text\nTherapist,How are you, really, today?\nClient,Fine, thanks\n"
    t = parse_transcript(data, "session.csv")
    assert [turn.text for turn in t.turns] == ["How are you, really, today?", "Fine, thanks"]


def test_trailing_empty_cells_are_not_glued_to_the_text() -> None:
    t = parse_transcript(b"speaker,text\nTherapist,Hello.,,\nClient,Hi.\n", "session.csv")
    assert t.turns[0].text == "Hello."


def test_extra_cells_when_the_text_is_not_last_name_the_line() -> None:
    data = b"speaker,text,start\nTherapist,Hello.,0\nClient,Fine, thanks,3\n"
    with pytest.raises(CsvColumnsError, match=r"Line 3 of the CSV file has 4 cells but the header"):
        parse_transcript(data, "session.csv")


def test_code_csv_joins_an_unquoted_comma_back_and_adds_codes_after_the_header() -> None:
    coder = FakeCoder()
    out = _coded("role,text\ntherapist,How are you, really?\nclient,Fine\n", coder)
    assert coder.calls == [[("therapist", "How are you, really?"), ("client", "Fine")]]
    assert out.splitlines() == [
        "role,text,code,subcode,confidence",
        'therapist,"How are you, really?",other,,0.500',
        "client,Fine,neutral,,0.500",
    ]


def test_code_csv_never_overwrites_extra_cells_it_cannot_place() -> None:
    with pytest.raises(CsvColumnsError, match=r"Line 3 of the CSV file has 5 cells"):
        _coded("role,text,extra\ntherapist,How are you?\nclient,Fine,x,y,z\n")


# --- delimiters and encodings ------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_semicolon_or_tab_separated_csv_is_read(delimiter: str) -> None:
    data = delimiter.join(["speaker", "text", "start"]) + "\n"
    data += delimiter.join(["Therapist", "How are you, today?", "1,5"]) + "\n"
    data += delimiter.join(["Client", "Fine", "3"]) + "\n"
    t = parse_transcript(data.encode(), "session.csv")
    assert [(turn.speaker, turn.text, turn.start) for turn in t.turns] == [
        ("Therapist", "How are you, today?", 1.5),
        ("Client", "Fine", 3.0),
    ]


def test_excel_unicode_text_saved_as_txt_is_read_as_a_table() -> None:
    data = "speaker\ttext\nTherapist\tHow are you?\nClient\tFine\n".encode("utf-16")
    t = parse_transcript(data, "export.txt")
    assert t.format == "csv" and t.speakers == ("Therapist", "Client")


def test_code_csv_reads_a_semicolon_file_and_writes_semicolons_back() -> None:
    out = _coded("role;text\ntherapist;How are you?\nclient;Fine, thanks\n")
    assert out.splitlines() == [
        "role;text;code;subcode;confidence",
        "therapist;How are you?;other;;0.500",
        "client;Fine, thanks;neutral;;0.500",
    ]


def test_code_csv_reads_utf16_unicode_text_from_a_file(tmp_path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("role\ttext\ntherapist\tHow?\nclient\tFine\n".encode("utf-16"))
    coder = FakeCoder()
    assert code_csv(source, io.StringIO(), coder) == 2
    assert coder.calls == [[("therapist", "How?"), ("client", "Fine")]]


# --- unreadable values and header spellings ----------------------------------------------


def test_a_cell_over_the_csv_field_limit_is_a_clear_error_not_a_crash() -> None:
    data = ('speaker,text\nTherapist,"' + "word " * 30000 + '"\nClient,Fine\n').encode()
    with pytest.raises(CsvColumnsError, match=r"Line 2 of the CSV file has a cell longer than"):
        parse_transcript(data, "session.csv")


def test_code_csv_turns_an_unreadable_csv_into_a_clear_error() -> None:
    with pytest.raises(CsvColumnsError, match=r"Line 2 of the CSV file has a cell longer"):
        _coded('role,text\ntherapist,"' + "word " * 30000 + '"\n')


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity", "nan", "1e999"])
def test_a_time_that_is_not_finite_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a time"):
        parse_timestamp(value)
    with pytest.raises(ValueError, match="not a time"):
        parse_timestamp(float(value))
    data = f"speaker,text,start\nTherapist,Hi.,{value}\nClient,Hello.,2\n".encode()
    with pytest.raises(CsvColumnsError, match=r"Line 2 of the CSV file has .* in the 'start'"):
        parse_transcript(data, "session.csv")


def test_a_repeated_column_name_uses_its_first_column() -> None:
    data = b"speaker,text,text\nTherapist,How are you?,dup\nClient,Fine,dup2\n"
    t = parse_transcript(data, "session.csv")
    assert [turn.text for turn in t.turns] == ["How are you?", "Fine"]


def test_header_names_ignore_case_spaces_and_underscores() -> None:
    data = b"Speaker,Utterance Text,Start Time,END_TIME\nTherapist,Hi.,1,2\nClient,Hello.,2,3\n"
    t = parse_transcript(data, "session.csv")
    assert [(turn.text, turn.start, turn.end) for turn in t.turns] == [
        ("Hi.", 1.0, 2.0),
        ("Hello.", 2.0, 3.0),
    ]


def test_code_csv_matches_header_names_like_the_parser() -> None:
    coder = FakeCoder()
    _coded("Transcript ID,Role,Utterance Text\n1,therapist,Hi.\n1,client,Hello.\n", coder)
    assert coder.calls == [[("therapist", "Hi."), ("client", "Hello.")]]


# --- speaker names from a column are taken as given ---------------------------------------


def test_a_one_off_csv_speaker_whose_name_has_lowercase_words_keeps_their_turn() -> None:
    data = (
        b"speaker,text\nTherapist,How has the week been?\nClient,Hard.\n"
        b"Therapist,What made it hard?\nClient,Arguments.\nMaria de la Cruz,We need a break.\n"
    )
    t = parse_transcript(data, "family.csv")
    assert t.speakers == ("Therapist", "Client", "Maria de la Cruz")
    assert t.turns[-1].text == "We need a break."


def test_code_csv_matches_speakers_however_their_names_are_dashed_or_spaced() -> None:
    coder = FakeCoder()
    text = (
        "speaker,text\n- Jo Kay,How are you?\nSam  Lee,Fine.\njo kay,What brings you here?\n"
        "Sam Lee,My sleep.\nMaria de la Cruz,And mine.\n"
    )
    _coded(text, coder)
    assert [role for role, _ in coder.calls[0]] == [
        "therapist",
        "client",
        "therapist",
        "client",
        "client",
    ]


def test_code_csv_refuses_a_speaker_made_only_of_dashes_naming_the_line() -> None:
    with pytest.raises(CsvColumnsError, match="Line 3 of the CSV file has no speaker"):
        _coded("speaker,text\nJo,Hi.\n-,Hello.\n")


_BLANK_SPEAKER = (
    b"speaker,text\nT,What brings you here today?\n"
    b",I have been feeling very low and I cannot sleep.\nC,Yes.\nT,You sound exhausted.\n"
)


@pytest.mark.parametrize("cell", [b"", b"-", b"  "])
def test_an_uploaded_csv_row_without_a_speaker_is_refused_naming_its_line(cell) -> None:
    # It was read as the previous speaker's words: the client's line became the therapist's.
    data = _BLANK_SPEAKER.replace(b"\n,", b"\n" + cell + b",")
    with pytest.raises(CsvColumnsError) as excinfo:
        parse_transcript(data, "session.csv")
    assert str(excinfo.value).startswith("Line 3 of the CSV file has no speaker.")


def test_upload_and_rapport_code_refuse_a_blank_speaker_with_the_same_message() -> None:
    with pytest.raises(CsvColumnsError) as upload:
        parse_transcript(_BLANK_SPEAKER, "session.csv")
    with pytest.raises(CsvColumnsError) as code:
        _coded(_BLANK_SPEAKER.decode())
    assert str(upload.value) == str(code.value)


def test_analyze_refuses_a_csv_row_without_a_speaker_naming_its_line(tmp_path, capsys):
    # Like `rapport code`, not merged into the previous speaker's turn.
    path = tmp_path / "session.csv"
    path.write_text("speaker,text\nT,How are you?\n,Low and tired.\nC,Yes.\nT,I see.\n")
    assert main(["analyze", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Line 3 of the CSV file has no speaker." in captured.err


def test_a_row_without_speaker_or_text_is_still_skipped() -> None:
    t = parse_transcript(b"speaker,text\nT,Hello.\n,\nC,Hi.\n", "session.csv")
    assert [(turn.speaker, turn.text) for turn in t.turns] == [("T", "Hello."), ("C", "Hi.")]


# --- an opening quote without its closing quote ------------------------------------------


def test_an_unclosed_quote_that_runs_to_the_end_is_refused_naming_its_line() -> None:
    data = (
        b'speaker,text\nTherapist,How are you?\nClient,"Not great, I\n'
        b"Therapist,Tell me more.\nClient,Work.\nTherapist,I see.\n"
    )
    with pytest.raises(
        CsvColumnsError, match=r"Line 3 of the CSV file opens a quote .* never closed"
    ):
        parse_transcript(data, "session.csv")


def test_a_quote_closed_only_by_a_later_quoted_cell_is_refused_naming_both_lines() -> None:
    # The next quoted cell's opening quote closes the runaway one: rows 4-5 were swallowed.
    data = (
        b'speaker,text\nTherapist,How are you?\nClient,"Not great, I\n'
        b'Therapist,Tell me more.\nClient,Work.\nTherapist,"I see, and then?"\nClient,Yes.\n'
    )
    with pytest.raises(CsvColumnsError, match=r"Line 3 of the CSV file opens a quote .* line 6"):
        parse_transcript(data, "session.csv")


def test_code_csv_refuses_an_unclosed_quote_too() -> None:
    with pytest.raises(CsvColumnsError, match=r"Line 2 of the CSV file opens a quote"):
        _coded('role,text\ntherapist,"How are you?\nclient,Fine\n')


def test_only_quotes_that_swallow_rows_are_refused() -> None:
    well_formed = (
        b'speaker,text\nTherapist,"How are you?\nAnd the week?"\n'
        b'Client,"She said ""fine, thanks""\nbut I wasn\'t."\nTherapist,"Ok'
    )
    t = parse_transcript(well_formed, "session.csv")
    assert [turn.text for turn in t.turns] == [
        "How are you? And the week?",
        'She said "fine, thanks" but I wasn\'t.',
        "Ok",  # a quote left open on the last line swallows nothing
    ]
    # A doubled quote right before the end is a quote inside the cell, not its closing one.
    runaway = b'speaker,text\nTherapist,Hi.\nClient,"She said ""ok""\nTherapist,Bye.\n'
    with pytest.raises(CsvColumnsError, match=r"Line 3 of the CSV file opens a quote"):
        parse_transcript(runaway, "session.csv")


def test_a_runaway_quote_is_found_when_the_first_column_holds_ids() -> None:
    # AnnoMI-style files start each row with a number: the role column gives it away.
    data = (
        b'id,role,text\n1,therapist,How are you?\n2,client,"Not great, I\n'
        b'3,therapist,Tell me more.\n4,client,Work.\n5,therapist,"I see, and then?"\n'
        b"6,client,Yes.\n7,therapist,Okay.\n"
    )
    with pytest.raises(CsvColumnsError, match=r"Line 3 of the CSV file opens a quote .* line 6"):
        parse_transcript(data, "session.csv")


def test_a_text_with_a_line_break_and_ids_is_not_taken_for_swallowed_rows() -> None:
    # "1, yeah" inside a quoted text starts like a row only by its number: not evidence.
    data = (
        b'id,role,text\n1,therapist,What helped?\n2,client,"Two things:\n1, yeah, walking"\n'
        b"3,therapist,Walking.\n4,client,yeah\n5,therapist,And?\n6,client,yeah\n"
    )
    t = parse_transcript(data, "session.csv")
    assert t.turns[1].text == "Two things: 1, yeah, walking"
    assert len(t.turns) == 6


def test_a_role_column_beside_the_speaker_column_says_who_is_who() -> None:
    # Sam, the client, asks the questions here: guessing would make Sam the therapist.
    data = (
        b"speaker,role,text\n"
        b"Sam,client,Can I ask you something first?\n"
        b"Jo,therapist,Of course.\n"
        b"Sam,client,Why do you think I keep doing this? Is it normal?\n"
        b"Jo,therapist,You have been wondering about that a lot.\n"
    )
    t = parse_transcript(data, "session.csv")
    assert t.speakers == ("Sam", "Jo")
    assert dict(t.stated_roles) == {"Sam": "client", "Jo": "therapist"}
    assert guess_roles(t) == {"Sam": "client", "Jo": "therapist"}
    # Without the column the guess follows the questions.
    without = b"\n".join(
        b",".join(cells for i, cells in enumerate(line.split(b",", 2)) if i != 1)
        for line in data.strip().split(b"\n")
    )
    assert guess_roles(parse_transcript(without, "session.csv"))["Sam"] == "therapist"


def test_a_csv_of_several_conversations_is_not_read_as_one_session() -> None:
    two = (
        b"transcript,role,text\n1,therapist,How are you?\n2,therapist,What brings you in?\n"
        b"1,client,Tired.\n2,client,My doctor sent me.\n"
    )
    with pytest.raises(CsvColumnsError, match=r"holds 2 conversations \(column 'transcript'\)"):
        parse_transcript(two, "sessions.csv")
    one = b"transcript,role,text\n1,therapist,How are you?\n1,client,Tired.\n"
    assert len(parse_transcript(one, "session.csv").turns) == 2


def test_a_one_speaker_conversation_in_code_csv_says_how_to_code_it() -> None:
    from rapport.transcripts.parsing import SingleSpeakerError

    text = "transcript,speaker,text\ns1,Jo,How are you?\ns1,Sam,Fine.\ns2,Jo,Welcome back.\n"
    with pytest.raises(SingleSpeakerError, match=r"Conversation 's2': .*give the file a 'role'"):
        _coded(text)
    # With the roles given, the same conversation is coded like the others.
    with_roles = (
        "transcript,speaker,role,text\ns1,Jo,therapist,How are you?\ns1,Sam,client,Fine.\n"
        "s2,Jo,therapist,Welcome back.\n"
    )
    assert len(_coded(with_roles).strip().splitlines()) == 4


def test_a_csv_saved_by_excel_in_a_legacy_code_page_says_how_to_save_it_as_utf8() -> None:
    data = "speaker;text\nThérapeute;Ça va ?\nClient;Très fatigué.\n".encode("cp1252")
    with pytest.raises(TranscriptEncodingError) as caught:
        parse_transcript(data, "séance.csv")
    assert "This CSV file is not UTF-8 text" in str(caught.value)
    assert "'CSV UTF-8 (Comma delimited)'" in str(caught.value)
    # Other files keep the general message.
    with pytest.raises(TranscriptEncodingError, match="save it with the UTF-8 encoding"):
        parse_transcript(data.replace(b";", b": "), "seance.txt")
