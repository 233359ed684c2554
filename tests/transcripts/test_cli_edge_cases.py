"""``rapport code`` and ``rapport analyze`` with awkward but legitimate input, as an outside
evaluator tries them: every failure is one line on stderr with exit status 2, and never
leaves a half-written OUT file. Synthetic text only."""

from __future__ import annotations

import csv
import errno
import json
from contextlib import ExitStack
from pathlib import Path

import pytest

from rapport.cli import main
from rapport.transcripts import analysis
from tests.transcripts.fixtures_db import RuleCoder

SESSION_TXT = (
    "Therapist: What would you like to talk about today?\n"
    "Client: My sleep, mostly.\n"
    "Therapist: It sounds like the nights have been long.\n"
    "Client: I want to get back to a routine.\n"
)


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch):
    coder = RuleCoder()
    monkeypatch.setattr("rapport.transcripts.coding.load_coder", lambda path=None: coder)
    return coder


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rapport: "), err
    assert "Traceback" not in err
    return err


def read_rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


# --- rapport code: what it reads ---------------------------------------------------------


def test_code_reads_a_spreadsheet_export_as_it_is(tmp_path):
    """BOM, CRLF, a quoted cell with a comma and a line break, headers in other case and
    with spaces, roles in capitals and synonyms, extra columns (one of them already named
    'confidence'), an empty text row and interleaved conversations with numeric ids."""
    source = tmp_path / "export.csv"
    source.write_bytes(
        (
            "\ufeffid,Transcript,Role, text ,confidence,notes\r\n"
            '1,7,Therapist,"What would you like to change, if anything?",old,a\r\n'
            "2,12,COUNSELLOR,How was the week?,,b\r\n"
            '3,7,CLIENT,"I want to drink less,\r\nmaybe.",,c\r\n'
            "4,12,patient,,,\r\n"
            "5,7,therapist,It sounds like you have thought about it.,,\r\n"
        ).encode()
    )
    out = tmp_path / "coded.csv"
    assert main(["code", str(source), "-o", str(out)]) == 0
    rows = read_rows(out)
    # The existing 'confidence' column is filled in place; code and subcode are added.
    assert rows[0] == [
        "id",
        "Transcript",
        "Role",
        " text ",
        "confidence",
        "notes",
        "code",
        "subcode",
    ]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5"]  # input order
    assert rows[3][3] == "I want to drink less,\r\nmaybe."  # the cell, untouched
    assert [row[5] for row in rows[1:]] == ["a", "b", "c", "", ""]
    assert [row[6:] for row in rows[1:]] == [
        ["question", "open"],
        ["question", "open"],
        ["change", ""],
        ["neutral", ""],
        ["reflection", "simple"],
    ]
    assert rows[1][4] == "0.800"


def test_code_keeps_a_byte_order_mark_so_excel_reads_the_output_as_utf8(tmp_path):
    source = tmp_path / "excel.csv"
    source.write_bytes(b"\xef\xbb\xbfrole,text\ntherapist,Qu\xc3\xa9 tal?\nclient,Bien.\n")
    out = tmp_path / "coded.csv"
    assert main(["code", str(source), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfrole,text,code,subcode,confidence\n")
    plain = tmp_path / "plain.csv"
    plain.write_bytes(b"role,text\ntherapist,Hi?\nclient,Hello.\n")
    assert main(["code", str(plain), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"role,text,")  # no BOM added where there was none


def test_code_names_the_row_of_an_empty_role(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hi?\n,Hello.\n", encoding="utf-8")
    assert main(["code", str(source), "-o", str(tmp_path / "out.csv")]) == 2
    err = one_line_error(capsys)
    assert "Line 3: The role is empty: each role must be 'therapist' or 'client'." in err
    assert not (tmp_path / "out.csv").exists()


def test_code_says_a_folder_is_a_folder(tmp_path, capsys):
    assert main(["code", str(tmp_path), "-o", str(tmp_path / "out.csv")]) == 2
    assert "is a folder; `rapport code` reads one CSV file" in one_line_error(capsys)


def test_code_points_a_plain_text_transcript_to_analyze(tmp_path, capsys):
    source = tmp_path / "session.txt"
    source.write_text("Therapist: How are you, Sam?\nClient: Tired, but ok.\n", encoding="utf-8")
    assert main(["code", str(source), "-o", str(tmp_path / "out.csv")]) == 2
    err = one_line_error(capsys)
    assert "this is a plain-text transcript" in err
    assert f"rapport analyze {source} --json" in err
    assert not (tmp_path / "out.csv").exists()


def test_code_says_one_utterance_in_the_singular(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hello there.\n", encoding="utf-8")
    assert main(["code", str(source), "-o", str(tmp_path / "out.csv")]) == 0
    assert "Coded 1 utterance into" in capsys.readouterr().err


# --- rapport code: where it writes ---------------------------------------------------------


def test_code_refuses_to_write_over_its_input(tmp_path, capsys):
    source = tmp_path / "in.csv"
    content = "role,text,code\ntherapist,Hi?,expert-code\nclient,Hello.,expert-code\n"
    source.write_text(content, encoding="utf-8")
    assert main(["code", str(source), "-o", str(tmp_path / "." / "in.csv")]) == 2
    assert "is the input file; write the coded CSV to another file" in one_line_error(capsys)
    assert source.read_text(encoding="utf-8") == content


def fail_half_way(in_file, out_file, coder):
    """code_csv when the disk fills up in the middle of writing the output."""
    with ExitStack() as stack:
        analysis._open(out_file, "w", stack).write("role,text,code\ntherapist,Hi?,")
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_failed_write_leaves_an_existing_output_as_it_was(tmp_path, capsys, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hi?\nclient,Hello.\n", encoding="utf-8")
    out = tmp_path / "coded.csv"
    out.write_text("yesterday's coded file\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "code_csv", fail_half_way)
    assert main(["code", str(source), "-o", str(out)]) == 2
    assert f"cannot write {out}: No space left on device" in one_line_error(capsys)
    assert out.read_text(encoding="utf-8") == "yesterday's coded file\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coded.csv", "in.csv"]  # no .part


def test_a_failed_write_leaves_no_output_file(tmp_path, capsys, monkeypatch):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hi?\nclient,Hello.\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "code_csv", fail_half_way)
    assert main(["code", str(source), "-o", str(tmp_path / "coded.csv")]) == 2
    one_line_error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_code_overwrites_an_existing_output_privately(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hi?\nclient,Hello.\n", encoding="utf-8")
    out = tmp_path / "coded.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o644)
    assert main(["code", str(source), "-o", str(out)]) == 0
    assert read_rows(out)[1] == ["therapist", "Hi?", "question", "open", "0.800"]
    assert out.stat().st_mode & 0o777 == 0o600  # every client utterance is in it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coded.csv", "in.csv"]


def test_code_writes_through_a_link_and_to_dev_null(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hi?\nclient,Hello.\n", encoding="utf-8")
    target = tmp_path / "target.csv"
    target.write_text("old\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(target)
    assert main(["code", str(source), "-o", str(tmp_path / "link.csv")]) == 0
    assert (tmp_path / "link.csv").is_symlink()
    assert read_rows(target)[2][2] == "neutral"
    assert main(["code", str(source), "-o", "/dev/null"]) == 0


def test_code_to_a_missing_folder_is_one_line(tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_text("role,text\ntherapist,Hi?\nclient,Hello.\n", encoding="utf-8")
    out = tmp_path / "nowhere" / "coded.csv"
    assert main(["code", str(source), "-o", str(out)]) == 2
    assert f"cannot write {out}: No such file or directory" in one_line_error(capsys)


# --- rapport analyze ---------------------------------------------------------------------


def test_a_broken_link_in_a_folder_is_named_and_the_others_analysed(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(SESSION_TXT, encoding="utf-8")
    (tmp_path / "b.vtt").symlink_to(tmp_path / "moved-away.vtt")
    assert main(["analyze", str(tmp_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert [item["file"] for item in json.loads(captured.out)] == ["a.txt"]
    assert "rapport: b.vtt: a link to " in captured.err
    assert "which does not exist" in captured.err
    assert "rapport: 1 of 2 files could not be analysed (see above)" in captured.err


def test_an_unreadable_file_in_a_folder_is_named_once(tmp_path, capsys, monkeypatch):
    (tmp_path / "a.txt").write_text(SESSION_TXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(SESSION_TXT, encoding="utf-8")
    read_bytes = Path.read_bytes

    def denied(path):  # as for a file of another user (the tests may run as root)
        if path.name == "b.txt":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["analyze", str(tmp_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert [item["file"] for item in json.loads(captured.out)] == ["a.txt"]
    assert "rapport: b.txt: cannot read the file (Permission denied)\n" in captured.err


def strict_json(text: str):
    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_analyze_json_has_no_nan_or_infinity_when_denominators_are_zero(tmp_path, capsys):
    """No questions (reflections per question), no reflections, no change or sustain
    talk, no times, every turn the therapist's but one: undefined metrics are null."""
    path = tmp_path / "session.csv"
    path.write_text(
        "speaker,text,start,end\nTherapist,Hello.,0,0\nClient,Hi.,0,0\nTherapist,Welcome.,0,0\n",
        encoding="utf-8",
    )
    assert main(["analyze", str(path), "--json"]) == 0
    result = strict_json(capsys.readouterr().out)
    assert list(result) == ["metrics", "quality_estimate", "flags", "utterances"]
    assert list(result["metrics"]) == [
        "reflection_to_question_ratio",
        "percent_open_questions",
        "percent_complex_reflections",
        "percent_therapist_input",
        "therapist_talk_share",
        "change_talk_ratio",
    ]
    assert result["metrics"]["reflection_to_question_ratio"] is None
    assert result["metrics"]["change_talk_ratio"] is None
    assert result["quality_estimate"] is None
    assert list(result["utterances"][0]) == [
        "speaker",
        "role",
        "text",
        "code",
        "subcode",
        "confidence",
    ]


def test_analyze_with_a_therapist_not_in_the_file_is_one_line(tmp_path, capsys):
    path = tmp_path / "session.txt"
    path.write_text(SESSION_TXT, encoding="utf-8")
    assert main(["analyze", str(path), "--therapist", "Kim", "--json"]) == 2
    err = one_line_error(capsys)
    assert "There is no speaker called 'Kim' in this transcript" in err
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("output", ["", "coded/"])
def test_code_refuses_an_output_that_names_no_file(tmp_path, capsys, monkeypatch, output):
    monkeypatch.chdir(tmp_path)
    Path("in.csv").write_text("role,text\ntherapist,Hi?\nclient,Hello.\n", encoding="utf-8")
    assert main(["code", "in.csv", "-o", output]) == 2
    err = one_line_error(capsys)
    assert err in (
        "rapport: -o is empty: name the file to write, or '-' for the screen\n",
        "rapport: cannot write coded/: a folder, not a file\n",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no file "coded"
