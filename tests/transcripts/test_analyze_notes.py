"""``rapport analyze`` tells its user the report's notes (a turn coded from its first
5,000 characters only, a session too short to rate): with --json each note is one line on
stderr, stdout staying exactly the documented JSON; without it the summary lists them.
Notes never carry the transcript's words. All text is invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rapport.cli import main
from rapport.transcripts.cli import JSON_KEYS
from rapport.transcripts.coding import CODED_CHARS
from tests.transcripts.fixtures_db import HERE, RuleCoder

_WORDS = "and then we talked about the evenings and how long they feel since the move "
CUT_NOTE = (
    "1 utterance is longer than 5,000 characters (a whole one-hour session is about "
    "50,000-100,000): coded from its first 5,000 characters only; the flags read all of the "
    "text. A caption export that lost its speaker labels or punctuation can run a session "
    "into a few utterances: check the file."
)
UNRATED_NOTE = "The quality estimate is not rated: it would rest on 2 therapist utterances"


@pytest.fixture(autouse=True)
def coder(monkeypatch):
    coder = RuleCoder()
    coder.coded_chars = CODED_CHARS  # type: ignore[attr-defined] - as the shipped coder says
    monkeypatch.setattr("rapport.transcripts.coding.load_coder", lambda path=None: coder)
    return coder


def _long_session(folder: Path) -> Path:
    """A caption export run together: one turn of 20,000 characters, two therapist turns."""
    long = (_WORDS * 300)[:20_000]
    path = folder / "long.txt"
    path.write_text(
        f"Therapist: Hello.\nClient: Hi, the marmalade cat ran away.\nTherapist: {long}\n"
        "Client: Yes.\n",
        encoding="utf-8",
    )
    return path


def test_analyze_json_prints_each_note_on_stderr_and_the_json_unchanged(tmp_path, capsys):
    path = _long_session(tmp_path)
    assert main(["analyze", str(path), "--json"]) == 0
    captured = capsys.readouterr()

    data = json.loads(captured.out)
    assert tuple(data) == JSON_KEYS  # stdout: the documented shape, nothing added
    lines = captured.err.splitlines()
    assert f"note: long.txt: {CUT_NOTE}" in lines
    assert any(line.startswith(f"note: long.txt: {UNRATED_NOTE}") for line in lines)
    assert all(line.startswith("note: long.txt: ") for line in lines)
    # Rapport's own sentences only: not a word the client or the therapist said.
    assert "marmalade" not in captured.err and "evenings" not in captured.err


def test_analyze_json_on_a_fixture_session_notes_it_is_too_short_to_rate(capsys):
    assert main(["analyze", str(HERE / "session.vtt"), "--json"]) == 0
    captured = capsys.readouterr()
    assert tuple(json.loads(captured.out)) == JSON_KEYS
    assert "note: session.vtt: The quality estimate is not rated: it would rest on " in (
        captured.err
    )


def test_a_folder_run_names_the_file_of_each_note(tmp_path, capsys):
    _long_session(tmp_path)
    (tmp_path / "short.txt").write_text("Therapist: Hello.\nClient: Hi.\n", encoding="utf-8")
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    captured = capsys.readouterr()
    assert [entry["file"] for entry in json.loads(captured.out)] == ["long.txt", "short.txt"]
    notes = [line for line in captured.err.splitlines() if line.startswith("note: ")]
    assert f"note: long.txt: {CUT_NOTE}" in notes
    assert any(line.startswith("note: short.txt: The quality estimate is not") for line in notes)
    assert not any(line.startswith(f"note: short.txt: {CUT_NOTE[:20]}") for line in notes)


def test_the_summary_without_json_lists_the_notes(tmp_path, capsys):
    path = _long_session(tmp_path)
    assert main(["analyze", str(path)]) == 0
    captured = capsys.readouterr()
    assert "\n  Notes (" in captured.out
    assert f"\n    - {CUT_NOTE}\n" in captured.out
    assert f"\n    - {UNRATED_NOTE}" in captured.out
    assert "note:" not in captured.err  # said once, in the summary
