"""`rapport calibrate --instrument` names a real outcome measure: a misspelt one is refused
in one line listing the ids, exit 2, also under --dry-run (where it used to exit 0 with
"no nope scores to calibrate from", as though the clinic merely lacked data)."""

from __future__ import annotations

import pytest

from rapport.cli import main


@pytest.mark.django_db
@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_an_unknown_instrument_is_refused_with_the_ids(capsys, clinic, dry_run):
    assert main(["calibrate", "--instrument", "nope", *dry_run]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "rapport: unknown instrument 'nope': the outcome measures calibrate fits are "
        "core10, gad7, ors, phq9\n"
    )
    assert captured.out == ""


@pytest.mark.django_db
def test_an_alliance_measure_is_refused_as_not_an_outcome_measure(capsys, clinic):
    assert main(["calibrate", "--instrument", "srs", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rapport: 'srs' is not an outcome measure (alliance)")
    assert err.count("\n") == 1


@pytest.mark.django_db
def test_another_spelling_of_an_outcome_measure_is_accepted(capsys, clinic):
    assert main(["calibrate", "--instrument", "phq-9", "--dry-run"]) == 0
    assert "no phq9 scores to calibrate from" in capsys.readouterr().err
