"""`rapport code INPUT.csv -o OUT.csv` writes every client utterance of the input: the
output is readable by this account only (0600, as `rapport backup` writes), whatever the
umask, and an existing output is still overwritten (the command's contract)."""

from __future__ import annotations

import os
import stat

import pytest

from rapport.cli import main
from tests.transcripts.fixtures_db import RuleCoder

INPUT = "role,text\ntherapist,What brings you here today?\nclient,I want to sleep better.\n"


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch):
    coder = RuleCoder()
    monkeypatch.setattr("rapport.transcripts.coding.load_coder", lambda path=None: coder)


@pytest.fixture
def open_umask():
    old = os.umask(0o022)  # a common default: new files readable by every account
    yield
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_coded_csv_is_created_readable_by_this_account_only(tmp_path, open_umask):
    source = tmp_path / "utterances.csv"
    source.write_text(INPUT, encoding="utf-8")
    out = tmp_path / "coded.csv"
    assert main(["code", str(source), "-o", str(out)]) == 0
    assert _mode(out) == 0o600
    assert "I want to sleep better." in out.read_text(encoding="utf-8")


def test_an_existing_output_is_overwritten_and_made_private(tmp_path, open_umask):
    source = tmp_path / "utterances.csv"
    source.write_text(INPUT, encoding="utf-8")
    out = tmp_path / "coded.csv"
    out.write_text("an older, longer output from an earlier run\n" * 20, encoding="utf-8")
    out.chmod(0o644)
    assert main(["code", str(source), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("role,text,code,subcode,confidence\n")
    assert "earlier run" not in text
    assert _mode(out) == 0o600
