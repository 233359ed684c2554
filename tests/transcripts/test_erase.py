"""Deleted transcript text is gone from the SQLite files themselves, not only from the row.

Runs in its own process on a file database (the test database is in memory): the
retention rule purges a transcript's text, and the database file and its write-ahead log
are scanned for the ciphertext that was stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    bool(os.environ.get("RAPPORT_DATABASE_URL")),
    reason="scans SQLite files; PostgreSQL keeps dead rows until VACUUM (docs/transcripts-app.md)",
)
def test_purged_text_is_not_left_in_the_database_or_its_write_ahead_log(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "RAPPORT_DATABASE_URL"}
    env.update(
        RAPPORT_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "src")]),
    )
    run = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(REPO / "tests" / "transcripts" / "_erase_script.py")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # The check can fail: before the purge the ciphertext is in the files.
    assert result["before"], "the stored ciphertext should be found before the purge"
    assert result["purged"] == 1
    assert result["after"] == [], f"deleted ciphertext still in {result['after']}"
    # And after the process has closed its connection.
    needle = result["needle"].encode()
    for path in tmp_path.glob("rapport.sqlite3*"):
        assert needle not in path.read_bytes(), path.name
