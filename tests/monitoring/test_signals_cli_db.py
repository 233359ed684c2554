"""``rapport signals``, ``rapport recompute-alerts`` and ``rapport calibrate``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rapport.audit.models import AuditEvent
from rapport.cli import main
from rapport.clinic.models import Client
from rapport.monitoring.models import Alert, TrajectoryCalibration
from rapport.monitoring.trajectories import clinic_trajectories
from tests.monitoring.db.helpers import NOW, bulk_history, make_episode

ROOT = Path(__file__).resolve().parents[2]

CSV = textwrap.dedent(
    """\
    client,session,date,instrument,score,pushed
    a,1,2025-01-06,session-checkin,38,no
    a,2,2025-01-13,session-checkin,38,no
    a,3,2025-01-20,session-checkin,38,no
    a,4,2025-01-27,session-checkin,29,yes
    b,1,2025-01-06,phq9,18,
    b,2,2025-01-13,phq9,11,
    """
)


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_signals_from_a_csv_need_neither_django_nor_a_database(csv_file):
    # A clean environment: no settings module, no secrets; Django must never be imported.
    code = textwrap.dedent(
        f"""
        import sys
        from rapport.cli import main
        status = main(["signals", "--from-csv", {str(csv_file)!r}, "--json"])
        assert "django.db.models" not in sys.modules, "Django was imported"
        sys.exit(status)
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "DJANGO_"))}
    env["PYTHONPATH"] = str(ROOT / "src")
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["client"] for r in results] == ["a", "b"]
    kinds = {s["kind"] for s in results[0]["signals"]}
    assert {"alliance_rupture", "alliance_low", "pushed_or_overridden"} <= kinds
    assert "probability" in results[0]["dropout_risk"]
    assert "reliable_improvement" in [s["kind"] for s in results[1]["signals"]]


def test_a_bad_csv_is_one_clear_message_and_status_2(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("client,session,date,instrument,score\na,one,2025-01-01,phq9,3\n")
    assert main(["signals", "--from-csv", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert "row 2: session must be a whole number" in err
    assert main(["signals", "--from-csv", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_the_human_readable_output_lists_each_signal(csv_file, capsys):
    assert main(["signals", "--from-csv", str(csv_file)]) == 0
    out = capsys.readouterr().out
    assert "Client a:" in out and "alliance_rupture (medium)" in out


@pytest.mark.django_db
def test_signals_for_a_client_from_the_database_have_the_same_shape_and_are_audited_as_cli(
    therapist_a, capsys, monkeypatch
):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    client, episode, held = make_episode(therapist_a, sessions=4)
    bulk_history(client, held, alliance=[38, 38, 38, 29])
    assert main(["signals", "--client", str(client.pk), "--json", "--today", "2026-03-02"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert len(results) == 1 and results[0]["client"] == str(client.pk)
    assert set(results[0]) == {"client", "signals", "dropout_risk"}
    kinds = [(s["kind"], s["session"]) for s in results[0]["signals"]]
    assert ("alliance_rupture", 4) in kinds
    event = AuditEvent.objects.get(target="signals-cli")
    assert event.actor_label == "cli" and event.client_id == client.pk and event.actor is None
    assert main(["signals", "--client", "999999"]) == 2
    assert "no client with id 999999" in capsys.readouterr().err


@pytest.mark.django_db
def test_recompute_alerts_reports_what_it_did(therapist_a, capsys, monkeypatch):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    client, episode, held = make_episode(therapist_a, sessions=4, now=NOW)
    bulk_history(client, held, alliance=[38, 38, 38, 29])
    assert main(["recompute-alerts"]) == 0
    assert "open episode(s):" in capsys.readouterr().out
    assert Alert.objects.filter(episode=episode).exists()
    assert main(["recompute-alerts", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


@pytest.mark.django_db
def test_calibrate_says_clearly_when_there_are_not_enough_episodes(
    therapist_a, capsys, monkeypatch
):
    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    for i in range(5):
        client, _, held = make_episode(therapist_a, f"C{i}", sessions=4)
        bulk_history(client, held, outcome=[16, 14, 12, 11])
    assert main(["calibrate"]) == 2
    err = capsys.readouterr().err
    assert "Not enough data to calibrate phq9: 5 episodes" in err and "50 needed" in err
    assert "default" in err
    assert not TrajectoryCalibration.objects.exists()
    # The scores of each client read are in that client's audit trail.
    read = AuditEvent.objects.filter(actor_label="cli", target__startswith="calibration-history")
    assert sorted(read.values_list("client_id", flat=True)) == sorted(
        Client.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_calibrate_stores_the_clinics_own_bands_and_the_alerts_use_them(
    therapist_a, capsys, monkeypatch
):
    import random

    monkeypatch.setattr("rapport.cli._setup_django", lambda: None)
    rng = random.Random(7)
    for i in range(40):
        client, _, held = make_episode(therapist_a, f"C{i}", sessions=6)
        intake = rng.randint(17, 19)  # one intake band, so it has the 20 episodes a fit needs
        scores = [max(0, min(27, intake - round(2.5 * k + rng.gauss(0, 1.5)))) for k in range(6)]
        bulk_history(client, held, outcome=scores)
    assert main(["calibrate", "--min-episodes", "30", "--dry-run"]) == 0
    assert "dry run" in capsys.readouterr().out
    assert not TrajectoryCalibration.objects.exists()
    assert main(["calibrate", "--min-episodes", "30"]) == 0
    out = capsys.readouterr().out
    assert "phq9 calibrated on 30 episodes (10 held out)" in out and "nominal 90%" in out
    stored = TrajectoryCalibration.objects.get()
    assert stored.instrument_id == "phq9" and stored.episodes_used == 30
    model = clinic_trajectories(therapist_a.clinic_id)["phq9"]
    assert "calibrated on 30 episodes" in model.source
    assert AuditEvent.objects.filter(
        actor_label="cli", target="trajectory-calibration:phq9"
    ).exists()


def test_every_monitoring_command_has_help(capsys):
    for command in ("signals", "recompute-alerts", "calibrate"):
        with pytest.raises(SystemExit) as exit_info:
            main([command, "--help"])
        assert exit_info.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: rapport {command}")
