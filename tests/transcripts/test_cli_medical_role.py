"""``rapport analyze --medical-role``: a researcher or clinician whose role includes
medication information (a nurse, midwife, pharmacist or prescriber) says so, and the
medical-advice flag is not raised, as in the app. Synthetic people only."""

from __future__ import annotations

import json
import shutil

import pytest

from rapport.cli import main
from tests.transcripts.fixtures_db import HERE, RuleCoder

# "Jess" is the clinician: a name, not a label naming the role, which would set it alone.
SESSION = HERE / "medication_clinic.txt"
# The 7th utterance (0-based 6): "You can take paracetamol regularly, two 500 mg tablets ..."
PARACETAMOL = 6


@pytest.fixture(autouse=True)
def rule_coder(monkeypatch):
    coder = RuleCoder()
    monkeypatch.setattr("rapport.transcripts.coding.load_coder", lambda path=None: coder)
    return coder


def _medical(argv: list[str], capsys) -> list[int]:
    assert main(["analyze", str(SESSION), "--json", *argv]) == 0
    flags = json.loads(capsys.readouterr().out)["flags"]
    return [flag["utterance"] for flag in flags if flag["kind"] == "medical_advice"]


def test_without_the_option_the_medication_doses_are_medical_advice(capsys):
    assert _medical([], capsys) == [PARACETAMOL]


def test_with_medical_role_no_medical_advice_flag_is_raised(capsys):
    assert _medical(["--medical-role"], capsys) == []


def test_it_applies_to_every_file_of_a_folder(tmp_path, capsys):
    for name in ("a.txt", "b.txt"):
        shutil.copy(SESSION, tmp_path / name)
    assert main(["analyze", str(tmp_path), "--json", "--medical-role"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in results] == ["a.txt", "b.txt"]
    assert all(f["kind"] != "medical_advice" for r in results for f in r["flags"])


def test_the_summary_says_why_no_medical_advice_was_flagged(capsys):
    assert main(["analyze", str(SESSION)]) == 0
    out = capsys.readouterr().out
    assert "medical advice: utterance 7" in out
    assert "Medical advice: not flagged" not in out
    assert main(["analyze", str(SESSION), "--medical-role"]) == 0
    out = capsys.readouterr().out
    assert "medical advice: utterance" not in out
    assert (
        "  Medical advice: not flagged (--medical-role: medication information is part of the "
        "clinician's role)\n"
    ) in out


def test_the_summary_says_so_for_a_therapist_labelled_nurse(tmp_path, capsys):
    labelled = tmp_path / "labelled.txt"
    labelled.write_text(SESSION.read_text().replace("Jess:", "Nurse:"), encoding="utf-8")
    assert main(["analyze", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "medical advice: utterance" not in out
    assert "Medical advice: not flagged (the therapist's speaker label names a role" in out


def test_help_explains_the_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["analyze", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--medical-role medication information is part of the clinician's role" in text
    assert "(nurse, midwife, pharmacist, prescriber)" in text
    assert "not flagged as medical advice" in text
