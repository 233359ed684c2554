"""Bad input to the monitoring commands: one clear line on stderr, status 2, no change."""

from __future__ import annotations

import pytest

from rapport.audit.models import AuditEvent
from rapport.cli import main
from rapport.monitoring.csvio import read_series_csv
from rapport.monitoring.models import Alert
from rapport.monitoring.signals.errors import CsvInputError
from tests.monitoring.db.helpers import NOW, bulk_history, make_episode

HUGE_ID = "99999999999999999999999"


def one_line(err: str) -> bool:
    return err.startswith("rapport: ") and err.count("\n") == 1 and "Traceback" not in err


def test_a_csv_cell_over_the_csv_limit_is_one_clear_line(tmp_path, capsys):
    path = tmp_path / "scores.csv"
    path.write_text(
        "client,session,date,instrument,score\n"
        "a,1,2025-01-06,phq9,12\n" + "a," + "9" * 140_000 + ",2025-01-13,phq9,11\n"
    )
    assert main(["signals", "--from-csv", str(path)]) == 2
    err = capsys.readouterr().err
    assert one_line(err), err
    assert f"{path}: row 3: not readable as CSV: field larger than field limit" in err


def test_the_library_reports_an_unreadable_csv_as_a_csv_input_error(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text("client,session,date,instrument,score\n" + "x" * 140_000 + "\n")
    with pytest.raises(CsvInputError) as raised:
        read_series_csv(path)
    assert raised.value.problems[0][0] == 2


def test_a_file_that_cannot_be_read_is_one_clear_line(tmp_path, capsys, monkeypatch):
    path = tmp_path / "scores.csv"
    path.write_text("client,session,date,instrument,score\n")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    # Tests run as root here, where chmod 000 would not stop the read.
    monkeypatch.setattr("rapport.monitoring.csvio.open", denied, raising=False)
    assert main(["signals", "--from-csv", str(path)]) == 2
    err = capsys.readouterr().err
    assert one_line(err), err
    assert f"{path}: cannot read the file: Permission denied" in err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--client", "999", "no client with id 999"),
        ("--client", HUGE_ID, f"no client with id {HUGE_ID}"),
        ("--client", "0", "no client with id 0"),
        ("--clinic", "999", "no clinic with id 999"),
        ("--clinic", HUGE_ID, f"no clinic with id {HUGE_ID}"),
    ],
)
def test_recompute_alerts_for_an_unknown_id_says_so(
    therapist_a, capsys, monkeypatch, option, value, message
):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    client, _episode, held = make_episode(therapist_a, sessions=4, now=NOW)
    bulk_history(client, held, alliance=[38, 38, 38, 29])
    assert main(["recompute-alerts", option, value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert one_line(captured.err) and message in captured.err
    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_recompute_alerts_for_a_known_client_and_clinic_still_runs(
    therapist_a, capsys, monkeypatch
):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    client, episode, held = make_episode(therapist_a, sessions=4, now=NOW)
    bulk_history(client, held, alliance=[38, 38, 38, 29])
    args = ["--client", str(client.pk), "--clinic", str(client.clinic_id)]
    assert main(["recompute-alerts", *args]) == 0
    assert "Recomputed alerts for 1 open episode(s)" in capsys.readouterr().out
    assert Alert.objects.filter(episode=episode).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", [["signals", "--client", HUGE_ID], ["calibrate", "--clinic", HUGE_ID]]
)
def test_an_id_too_large_for_the_database_is_no_record(capsys, monkeypatch, command):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert one_line(err) and f"with id {HUGE_ID}" in err
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_calibrate_needs_at_least_one_episode(capsys, value):
    with pytest.raises(SystemExit) as raised:
        main(["calibrate", "--min-episodes", value])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "--min-episodes" in err and "Traceback" not in err
