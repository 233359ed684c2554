"""``rapport code`` and ``rapport analyze``: researcher tools that need no database."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rapport.cli import main
from rapport.transcripts.coding import CoderError
from rapport.transcripts.quality import quality_reference
from tests.transcripts._helpers import rate_short_sessions
from tests.transcripts.fixtures_db import HERE, RuleCoder

METRIC_KEYS = {
    "reflection_to_question_ratio",
    "percent_open_questions",
    "percent_complex_reflections",
    "percent_therapist_input",
    "therapist_talk_share",
    "change_talk_ratio",
}
FLAG_KEYS = {"kind", "utterance", "start", "end", "text", "explanation", "source"}
UTTERANCE_KEYS = {"speaker", "role", "text", "code", "subcode", "confidence"}


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch):
    coder = RuleCoder()
    monkeypatch.setattr("rapport.transcripts.coding.load_coder", lambda path=None: coder)
    return coder


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


# --- rapport code -----------------------------------------------------------------------


def test_code_keeps_every_row_and_column_in_order_and_adds_the_codes(tmp_path, capsys):
    source = tmp_path / "utterances.csv"
    source.write_text(
        "transcript,role,text,note\n"
        "a,therapist,How are you today?,first\n"
        "b,therapist,What brings you here?,\n"
        "a,client,Fine thanks.,\n"
        ",,,\n"
        "b,client,I want to sleep better.,x\n"
        "a,therapist,It sounds like the week went well.,\n",
        encoding="utf-8",
    )
    out = tmp_path / "coded.csv"
    assert main(["code", str(source), "-o", str(out)]) == 0
    rows = read_csv(out)
    original = read_csv(source)
    assert rows[0] == [*original[0], "code", "subcode", "confidence"]
    assert [row[:4] for row in rows] == original  # every row and column, in order
    assert [row[4:6] for row in rows[1:]] == [
        ["question", "open"],
        ["question", "open"],
        ["neutral", ""],
        ["", ""],  # the blank row is kept, uncoded
        ["change", ""],
        ["reflection", "simple"],
    ]
    assert rows[1][6] == "0.800"
    assert "Coded 5 utterances" in capsys.readouterr().err


def test_code_with_a_speaker_column_guesses_each_conversations_roles(tmp_path):
    source = tmp_path / "speakers.csv"
    source.write_text(
        "speaker,text\nDr Lee,What would you like to change?\nSam,I want to drink less.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    assert main(["code", str(source), "-o", str(out)]) == 0
    assert [row[2] for row in read_csv(out)[1:]] == ["question", "change"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("role,words\ntherapist,hello\n", "The CSV file needs a 'text' column"),
        ("role,text\ndoctor,hello\n", "Line 2: Unknown role 'doctor'"),
        (None, "no such file"),
    ],
)
def test_code_refuses_bad_input_with_one_line_and_exit_2(tmp_path, capsys, content, message):
    source = tmp_path / "in.csv"
    if content is not None:
        source.write_text(content, encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["code", str(source), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rapport: ") and message in err
    assert not out.exists()


def test_a_missing_coder_model_is_one_clear_line(tmp_path, capsys, monkeypatch):
    def missing(path=None):
        raise CoderError("coder model not found at /nowhere/coder.joblib")

    monkeypatch.setattr("rapport.transcripts.coding.load_coder", missing)
    assert main(["analyze", str(HERE / "session.vtt"), "--json"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "rapport: cannot load the utterance coder: coder model not found at "
        "/nowhere/coder.joblib\n"
    )


# --- rapport analyze --------------------------------------------------------------------


def check_shape(result: dict) -> None:
    assert set(result) == {"metrics", "quality_estimate", "flags", "utterances"}
    assert set(result["metrics"]) == METRIC_KEYS
    assert result["quality_estimate"] is None or 0 <= result["quality_estimate"] <= 1
    assert all(set(flag) == FLAG_KEYS for flag in result["flags"])
    assert result["utterances"] and all(set(u) == UTTERANCE_KEYS for u in result["utterances"])


def test_analyze_json_on_a_file_prints_exactly_the_documented_shape(capsys):
    assert main(["analyze", str(HERE / "session.vtt"), "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    check_shape(result)
    assert result["utterances"][0] == {
        "speaker": "Jo Counsellor",
        "role": "therapist",
        "text": "Hello Robin. What would you like to talk about today?",
        "code": "question",
        "subcode": "open",
        "confidence": 0.8,
    }
    assert {"advice", "closed_question_run"} <= {flag["kind"] for flag in result["flags"]}
    # stderr holds the report's notes only, one line each (test_analyze_notes.py).
    assert all(line.startswith("note: session.vtt: ") for line in captured.err.splitlines())


def test_analyze_json_on_a_folder_gives_one_object_per_file_with_progress_on_stderr(
    tmp_path, capsys
):
    for name in ("session.vtt", "session.srt", "session.txt", "session.csv"):
        shutil.copy(HERE / name, tmp_path / name)
    (tmp_path / "readme.md").write_text("not a transcript", encoding="utf-8")
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    results = json.loads(captured.out)
    assert [r["file"] for r in results] == [
        "session.csv",
        "session.srt",
        "session.txt",
        "session.vtt",
    ]
    for result in results:
        check_shape({k: v for k, v in result.items() if k != "file"})
    assert "4/4 session.vtt" in captured.err
    assert "[" in captured.err and "#" in captured.err


def test_a_bad_file_in_a_folder_is_named_and_the_others_are_still_analysed(tmp_path, capsys):
    shutil.copy(HERE / "session.vtt", tmp_path / "good.vtt")
    shutil.copy(HERE / "latin1.txt", tmp_path / "bad.txt")
    assert main(["analyze", str(tmp_path), "--json"]) == 2
    captured = capsys.readouterr()
    assert [r["file"] for r in json.loads(captured.out)] == ["good.vtt"]
    assert "rapport: bad.txt: This file is not UTF-8 text" in captured.err
    assert "rapport: 1 of 2 files could not be analysed" in captured.err


def test_a_folder_listing_skips_hidden_and_macos_appledouble_files(tmp_path, capsys):
    shutil.copy(HERE / "session.vtt", tmp_path / "good.vtt")
    shutil.copy(HERE / "latin1.txt", tmp_path / ".draft.txt")
    # What macOS writes beside a file copied to a USB stick: binary resource-fork data.
    (tmp_path / "._good.vtt").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    assert [r["file"] for r in json.loads(captured.out)] == ["good.vtt"]
    assert "could not be analysed" not in captured.err


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("latin1.txt", "This file is not UTF-8 text"),
        ("one_speaker.txt", "Only one speaker (Therapist) was found"),
        ("not_a_transcript.txt", "No speaker labels were found"),
        ("missing.vtt", "no such file or folder"),
    ],
)
def test_analyze_refuses_a_bad_file_with_one_line_and_exit_2(capsys, name, message):
    assert main(["analyze", str(HERE / name), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and message in captured.err


def test_analyze_takes_the_therapist_by_name(capsys):
    assert main(["analyze", str(HERE / "session.vtt"), "--json", "--therapist", "robin"]) == 0
    roles = {u["speaker"]: u["role"] for u in json.loads(capsys.readouterr().out)["utterances"]}
    assert roles == {"Jo Counsellor": "client", "Robin": "therapist"}
    assert main(["analyze", str(HERE / "session.vtt"), "--therapist", "Kim"]) == 2
    assert "There is no speaker called 'Kim'" in capsys.readouterr().err


def test_analyze_without_json_prints_a_short_summary(capsys, monkeypatch):
    rate_short_sessions(monkeypatch)
    assert main(["analyze", str(HERE / "session.vtt")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("session.vtt: 14 utterances (vtt); Jo Counsellor (therapist), Robin")
    assert "Reflections per question" in out and "Open questions" in out
    assert "Quality estimate" in out
    reference = quality_reference()
    assert (
        f"sessions rated high quality scored a median of {reference.high.median:.2f}, "
        f"those rated low {reference.low.median:.2f}"
    ) in out
    assert "; utterances counted from 1):" in out and "closed question run: utterance 7" in out
    # Talk share by time too, and what moved the estimate, as the session report shows.
    assert re.search(r"\n    by speaking time +\d+%", out)
    assert re.search(r"\n    - .+ \((raises|lowers) the estimate\)\n", out)
    assert len(out.splitlines()) < 24


def test_a_short_session_summary_says_not_rated(capsys):
    """Under 10 therapist utterances (quality.MIN_THERAPIST_UTTERANCES) the estimate is not
    rated: the summary says so on its own line, not "not available"."""
    assert main(["analyze", str(HERE / "session.vtt")]) == 0
    out = capsys.readouterr().out
    assert "Quality estimate: not rated (too short a session; see the notes)" in out
    assert "not available" not in out


def test_the_researcher_commands_run_without_django_settings(tmp_path):
    """No database, no RAPPORT_* settings: the pure pipeline only."""
    script = (
        "import sys, json\n"
        "import rapport.transcripts.coding as coding\n"
        "from tests.transcripts.fixtures_db import RuleCoder\n"
        "coding.load_coder = lambda path=None: RuleCoder()\n"
        "from rapport.cli import main\n"
        f"code = main(['analyze', {str(HERE / 'session.txt')!r}, '--json'])\n"
        "assert code == 0, code\n"
        "assert 'rapport.settings' not in sys.modules\n"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RAPPORT_", "DJANGO_"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(Path("src").resolve()), str(Path(".").resolve())])
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    check_shape(json.loads(io.StringIO(result.stdout).read()))


def test_code_says_when_it_cannot_read_its_input(tmp_path, capsys, monkeypatch):
    source = tmp_path / "utterances.csv"
    source.write_text("role,text\ntherapist,Hi.\n", encoding="utf-8")

    def denied(path):  # as for a file of another user (the tests may run as root)
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["code", str(source), "-o", str(tmp_path / "out.csv")]) == 2
    assert f"cannot read {source}: Permission denied" in capsys.readouterr().err


def test_the_summary_calls_therapist_input_context_not_unrated(capsys):
    assert main(["analyze", str(HERE / "session.vtt")]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "Therapist input" in line)
    assert line.endswith("[context, no threshold]")


@pytest.mark.parametrize("name", ["session.vtt", "session.srt", "captions.txt"])
def test_code_points_a_caption_file_to_analyze(tmp_path, capsys, name):
    path = tmp_path / name
    path.write_text(
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nJo: How was the week?\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\nSam: Hard.\n"
        if name != "session.srt"
        else "1\n00:00:01,000 --> 00:00:03,000\nJo: How was the week?\n",
        encoding="utf-8",
    )
    assert main(["code", str(path), "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert "this is a caption file (WebVTT or SRT), not a CSV of utterances" in err
    assert f"rapport analyze {path} --json" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


# --- files that are not transcripts, by extension ---------------------------------------


@pytest.mark.parametrize("name", ["notes.py", "session.json", "session.docx", "SESSION"])
def test_analyze_refuses_a_file_that_is_not_vtt_srt_txt_or_csv(tmp_path, capsys, name):
    # Read anyway, a .py file was "analysed": its "key: value" lines became speakers.
    source = tmp_path / name
    source.write_text(
        "Therapist: What brings you here today?\nClient: I have trouble sleeping.\n",
        encoding="utf-8",
    )
    assert main(["analyze", str(source), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"rapport: {source}: not a .vtt, .srt, .txt or .csv file. Export the transcript from "
        "your video platform as WebVTT (.vtt) if you can.\n"
    )


def test_analyze_reads_a_transcript_extension_in_capitals(tmp_path, capsys):
    shutil.copy(HERE / "session.vtt", tmp_path / "SESSION.VTT")
    assert main(["analyze", str(tmp_path / "SESSION.VTT"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["utterances"]


def test_a_folder_run_names_the_files_it_skips_and_still_succeeds(tmp_path, capsys):
    shutil.copy(HERE / "session.vtt", tmp_path / "good.vtt")
    (tmp_path / "all.json").write_text("[]", encoding="utf-8")
    (tmp_path / "session 4.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "sub").mkdir()  # a subfolder is not a file left out
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: silent
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    assert [r["file"] for r in json.loads(captured.out)] == ["good.vtt"]
    skipped = [line for line in captured.err.splitlines() if "skipped" in line]
    assert skipped == [
        "rapport: skipped 2 files that are not .vtt, .srt, .txt or .csv: all.json, session 4.docx"
    ]
    assert "could not be analysed" not in captured.err


def test_a_folder_run_names_at_most_five_skipped_files(tmp_path, capsys):
    shutil.copy(HERE / "session.vtt", tmp_path / "good.vtt")
    for i in range(7):
        (tmp_path / f"note{i}.md").write_text("x", encoding="utf-8")
    assert main(["analyze", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert (
        "rapport: skipped 7 files that are not .vtt, .srt, .txt or .csv: note0.md, note1.md, "
        "note2.md, note3.md, note4.md and 2 more\n"
    ) in err
