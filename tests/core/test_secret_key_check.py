"""Every command checks that RAPPORT_SECRET_KEY is the key the database was set up with
(docs/operations.md, 'Restore'): a backup restored onto a new machine with a new key would
otherwise start, and every check-in link clients hold, every session and API cursor would
fail quietly. The database keeps a fingerprint of the key (an HMAC of a fixed label under
it, never the key), stored at ``rapport migrate`` and at the first start after an upgrade."""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rapport
from rapport import cli
from rapport.cli import main
from rapport.core.models import KeyFingerprint
from rapport.core.operations import SECRET_KEY_NAME, secret_key_fingerprint

OTHER_KEY = "another-machines-secret-key-0123456789-abcdefghij"
REFUSAL = "rapport: RAPPORT_SECRET_KEY is not the key this database was set up with: "


@pytest.fixture
def started(monkeypatch, settings):
    """gunicorn is not started: the argv ``rapport serve`` would run is recorded."""
    settings.WHITENOISE_USE_FINDERS = True
    runs: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execvp", lambda path, argv: runs.append(argv))
    return runs


def _stored() -> str | None:
    row = KeyFingerprint.objects.filter(name=SECRET_KEY_NAME).first()
    return row.fingerprint if row else None


def test_the_fingerprint_is_an_hmac_of_a_fixed_label_and_never_holds_the_key():
    key = "a-secret-key-for-this-test-only-0123456789"
    fingerprint = secret_key_fingerprint(key)
    assert fingerprint == secret_key_fingerprint(key)
    assert fingerprint != secret_key_fingerprint(OTHER_KEY)
    assert fingerprint == hmac.new(key.encode(), _label(), hashlib.sha256).hexdigest()
    assert key not in fingerprint and len(fingerprint) == 64


def _label() -> bytes:
    from rapport.core import operations

    return operations._SECRET_KEY_LABEL


@pytest.mark.django_db
def test_serve_starts_when_the_key_is_the_one_the_database_was_set_up_with(
    settings, capsys, started, clinic
):
    KeyFingerprint.objects.create(name=SECRET_KEY_NAME, fingerprint=secret_key_fingerprint())
    assert main(["serve"]) == 0
    assert started
    assert "RAPPORT_SECRET_KEY" not in capsys.readouterr().err


@pytest.mark.django_db
def test_serve_and_other_commands_refuse_another_key_in_one_line(
    settings, capsys, started, clinic, tmp_path
):
    KeyFingerprint.objects.create(
        name=SECRET_KEY_NAME, fingerprint=secret_key_fingerprint(OTHER_KEY)
    )

    assert main(["serve"]) == 2
    assert main(["clear-sessions"]) == 2
    assert main(["migrate", "-v", "0"]) == 2

    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 3 and "Traceback" not in err
    for line in lines:
        assert line.startswith(REFUSAL)
        assert "restore the matching key from your backup" in line
        assert "rapport migrate --new-secret-key" in line
        assert settings.SECRET_KEY not in line and OTHER_KEY not in line
    assert started == []
    # Nothing was changed: the stored fingerprint is still the other key's.
    assert _stored() == secret_key_fingerprint(OTHER_KEY)


@pytest.mark.django_db
def test_a_database_without_a_fingerprint_gets_one_at_serve_start(settings, started, clinic):
    """A clinic upgrading: its database was set up before the check."""
    assert _stored() is None
    assert main(["serve"]) == 0
    assert started
    assert _stored() == secret_key_fingerprint(settings.SECRET_KEY)


@pytest.mark.django_db
def test_a_database_without_a_fingerprint_gets_one_at_migrate(settings, capsys):
    assert _stored() is None
    assert main(["migrate", "-v", "0"]) == 0
    assert _stored() == secret_key_fingerprint(settings.SECRET_KEY)


@pytest.mark.django_db
def test_other_commands_check_but_do_not_store_a_missing_fingerprint(capsys, clinic):
    assert main(["clear-sessions", "--quiet"]) == 0
    assert _stored() is None


@pytest.mark.django_db
def test_migrate_new_secret_key_records_the_configured_key_audited(settings, capsys, started):
    from rapport.audit.models import AuditEvent

    KeyFingerprint.objects.create(
        name=SECRET_KEY_NAME, fingerprint=secret_key_fingerprint(OTHER_KEY)
    )
    assert main(["migrate", "-v", "0", "--new-secret-key"]) == 0
    assert _stored() == secret_key_fingerprint(settings.SECRET_KEY)
    event = AuditEvent.objects.get(target="secret-key-fingerprint")
    assert (event.actor_label, event.action) == ("cli", "update")
    assert "no longer work" in capsys.readouterr().out
    assert main(["serve"]) == 0 and started


# --- through the real command, in a process of its own --------------------------------


def _env(data_dir: Path | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    # This checkout's code, whatever the virtualenv's own install points at.
    src = str(Path(rapport.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    if data_dir is not None:  # not for the demo, which takes --data-dir
        env["RAPPORT_DATA_DIR"] = str(data_dir)
    env.update(extra)
    return env


def _rapport(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rapport.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _fingerprint_in(database: Path) -> str:
    with sqlite3.connect(database) as db:
        (value,) = db.execute(
            "SELECT fingerprint FROM core_keyfingerprint WHERE name = ?", [SECRET_KEY_NAME]
        ).fetchone()
    db.close()
    return value


def test_a_backup_restored_with_another_key_is_refused_by_the_commands(tmp_path):
    from rapport.lib.crypto import generate_key

    key = "this-clinics-secret-key-0123456789-abcdefghijkl"
    clinic = {
        "RAPPORT_SECRET_KEY": key,
        "RAPPORT_ENCRYPTION_KEYS": generate_key(),
        "RAPPORT_BASE_URL": "https://rapport.example.org",
        "RAPPORT_ALLOWED_HOSTS": "rapport.example.org",
    }
    migrated = _rapport("migrate", "-v", "0", env=_env(tmp_path, **clinic))
    assert migrated.returncode == 0, migrated.stderr
    assert _fingerprint_in(tmp_path / "rapport.sqlite3") == secret_key_fingerprint(key)
    assert key not in (tmp_path / "rapport.sqlite3").read_bytes().decode("latin-1")

    same = _rapport("clear-sessions", "--quiet", env=_env(tmp_path, **clinic))
    assert (same.returncode, same.stderr) == (0, "")

    moved = _rapport(
        "clear-sessions",
        "--quiet",
        env=_env(tmp_path, **{**clinic, "RAPPORT_SECRET_KEY": OTHER_KEY}),
    )
    assert moved.returncode == 2
    assert moved.stderr.startswith(REFUSAL) and moved.stderr.count("\n") == 1
    assert "restore the matching key from your backup" in moved.stderr


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_demo(data_dir: Path) -> str:
    """``rapport demo`` until it says where it serves (then stopped): its stdout."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rapport.cli", "demo", "--no-browser", "--port", str(port)]
        + ["--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    output = ""
    try:
        deadline = time.monotonic() + 180
        while "Rapport demo clinic:" not in output and time.monotonic() < deadline:
            line = process.stdout.readline()  # type: ignore[union-attr]
            if not line and process.poll() is not None:
                break
            output += line
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    assert "Rapport demo clinic:" in output, err
    return output


def test_the_demo_starts_on_a_new_folder_and_again_on_the_same_folder(tmp_path):
    _start_demo(tmp_path)
    secret = (tmp_path / "secret-key").read_text().strip()
    assert _fingerprint_in(tmp_path / "rapport.sqlite3") == secret_key_fingerprint(secret)
    _start_demo(tmp_path)
    assert _fingerprint_in(tmp_path / "rapport.sqlite3") == secret_key_fingerprint(secret)


def test_a_demo_folder_set_up_with_another_secret_key_is_named_not_the_clinic_setting(
    tmp_path,
):
    with sqlite3.connect(tmp_path / "rapport.sqlite3") as db:
        db.execute(
            "CREATE TABLE core_keyfingerprint "
            "(name TEXT PRIMARY KEY, fingerprint TEXT, recorded_at TEXT)"
        )
        db.execute(
            "INSERT INTO core_keyfingerprint VALUES (?, ?, '2026-12-01')",
            [SECRET_KEY_NAME, secret_key_fingerprint(OTHER_KEY)],
        )
    db.close()
    result = _rapport(
        "demo", "--no-browser", "--port", str(_free_port()), "--data-dir", str(tmp_path), env=_env()
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"rapport: the demo's secret key ({tmp_path / 'secret-key'}) is not the key its "
        f"database {tmp_path / 'rapport.sqlite3'} in --data-dir {tmp_path} was set up with "
        "(give another --data-dir, or move that folder away); nothing was changed\n"
    )
