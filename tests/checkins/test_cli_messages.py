"""What ``rapport import-responses`` and ``rapport checkin-link`` say about bad input:
one plain line on standard error, status 2, nothing stored."""

from __future__ import annotations

import pytest

from rapport.checkins.models import CheckIn
from rapport.cli import main
from rapport.measures.models import Response
from rapport.measures.registry import all_instruments


def test_a_missing_file_is_one_plain_line(capsys, tmp_path):
    path = tmp_path / "x.csv"
    assert main(["import-responses", str(path)]) == 2
    err = capsys.readouterr().err
    # As `rapport code` and `rapport signals --from-csv` say it, not "[Errno 2] ...".
    assert err == f"rapport: {path}: no such file\n"


def test_a_folder_is_named_as_a_folder(capsys, tmp_path):
    assert main(["import-responses", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == f"rapport: {tmp_path}: this is a folder; give the CSV file to import\n"


def test_a_file_that_is_not_utf8_is_one_plain_line(capsys, tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes("client,date,instrument\n1,2026-01-01,phq9 \xe9\n".encode("latin-1"))
    assert main(["import-responses", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"rapport: {path}: not UTF-8 text; save the CSV as UTF-8\n"


def test_a_file_that_cannot_be_read_names_why_without_pythons_wording(
    capsys, tmp_path, monkeypatch
):
    path = tmp_path / "scores.csv"
    path.write_text("client,date,instrument\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    # Tests run as root here, where chmod 000 would not stop the read.
    monkeypatch.setattr("pathlib.Path.read_text", denied)
    assert main(["import-responses", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == f"rapport: {path}: cannot read the file: Permission denied\n"


@pytest.mark.django_db
def test_an_unknown_instrument_lists_the_instrument_ids(capsys, client_a):
    assert main(["checkin-link", "--client", str(client_a.pk), "--instrument", "phq-99"]) == 2
    err = capsys.readouterr().err
    ids = [instrument.id for instrument in all_instruments()]
    assert {"phq9", "gad7", "core10", "session-checkin"} <= set(ids)
    assert err == f"rapport: unknown instrument 'phq-99': the instrument ids are {', '.join(ids)}\n"
    assert not CheckIn.objects.exists() and not Response.objects.exists()
