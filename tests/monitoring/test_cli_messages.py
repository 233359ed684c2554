"""What ``rapport signals --from-csv`` says when it is given a folder."""

from __future__ import annotations

from rapport.cli import main


def test_a_folder_is_named_as_a_folder_not_a_missing_file(tmp_path, capsys):
    (tmp_path / "scores.csv").write_text("client,session,date,instrument,score\n")
    assert main(["signals", "--from-csv", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"rapport: {tmp_path}: this is a folder; --from-csv needs a CSV file\n"
    assert "no such file" not in err


def test_a_missing_file_still_says_no_such_file(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    assert main(["signals", "--from-csv", str(path)]) == 2
    assert capsys.readouterr().err == f"rapport: {path}: no such file\n"
