"""Reading the settings creates nothing: the data folder and the SQLite file are made, private,
when the first connection opens the database (or, in demo and debug, when a key file is
written there). A command run in the wrong folder, or an installation on PostgreSQL, is left
without a stray empty ./data."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")

GOOD_KEYS = "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMTI="


def _python(code: str, cwd, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_HTTPS="0",
        DJANGO_SETTINGS_MODULE="rapport.settings",
        **env_vars,
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=cwd, timeout=60
    )


CONNECT = (
    "import django; django.setup()\n"
    "from django.db import connection\n"
    "connection.ensure_connection()\n"
)


def test_reading_the_settings_makes_no_data_folder(tmp_path):
    home = tmp_path / "home"
    home.mkdir()

    result = _python("import rapport.settings as s; print(s.PRIVATE_PATHS)", cwd=home)

    assert result.returncode == 0, result.stderr
    assert list(home.iterdir()) == []
    # Still named for the permission warnings, should it exist with open permissions.
    assert str(home / "data" / "rapport.sqlite3") in result.stdout


def test_the_first_connection_makes_the_data_folder_and_database_private(tmp_path):
    home = tmp_path / "home"
    home.mkdir()

    result = _python(CONNECT, cwd=home)

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE((home / "data").stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "data" / "rapport.sqlite3").stat().st_mode) == 0o600


def test_a_sqlite_database_url_is_made_private_when_opened_not_when_read(tmp_path):
    database = tmp_path / "db" / "clinic.sqlite3"
    database.parent.mkdir()
    url = f"sqlite:///{database}"

    read = _python("import rapport.settings", cwd=tmp_path, RAPPORT_DATABASE_URL=url)
    assert read.returncode == 0, read.stderr
    assert not database.exists()
    assert not (tmp_path / "data").exists()

    opened = _python(CONNECT, cwd=tmp_path, RAPPORT_DATABASE_URL=url)
    assert opened.returncode == 0, opened.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert not (tmp_path / "data").exists()


def test_a_data_folder_that_cannot_be_made_is_one_line_naming_the_variable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_HTTPS="0",
        RAPPORT_DATA_DIR=str(blocker / "data"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "rapport.cli", "migrate"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"rapport: RAPPORT_DATA_DIR: cannot create {blocker / 'data'}")
    assert result.stderr.strip().count("\n") == 0
