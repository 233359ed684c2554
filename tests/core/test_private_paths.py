"""Secret and database files that other accounts can reach are reported, not silently kept.

Rapport creates its data folder 0700 and its files 0600, but one created before that (or
by hand) keeps its permissions: the operator is told, with the command that fixes it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from tests.core.test_settings import good_env

from rapport import cli
from rapport.lib.private_files import open_to_others

pytestmark = pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")


def _make(path, mode, *, folder=False):
    if folder:
        path.mkdir()
    else:
        path.write_text("secret\n")
    path.chmod(mode)
    return path


def test_only_paths_others_can_reach_are_reported(tmp_path):
    private_folder = _make(tmp_path / "private", 0o700, folder=True)
    open_folder = _make(tmp_path / "open", 0o755, folder=True)
    enterable_folder = _make(tmp_path / "enterable", 0o711, folder=True)
    private_key = _make(tmp_path / "key", 0o600)
    group_key = _make(tmp_path / "group-key", 0o640)
    found = open_to_others(
        [private_folder, open_folder, enterable_folder, private_key, group_key, tmp_path / "gone"]
    )
    assert [(f.path, f.mode, f.is_dir) for f in found] == [
        (open_folder, 0o755, True),
        (enterable_folder, 0o711, True),
        (group_key, 0o640, False),
    ]
    assert [f.fix for f in found] == [
        f"chmod 700 {open_folder}",
        f"chmod 700 {enterable_folder}",
        f"chmod 600 {group_key}",
    ]


def test_a_path_named_twice_is_reported_once(tmp_path):
    folder = _make(tmp_path / "data", 0o755, folder=True)
    assert len(open_to_others([folder, str(folder)])) == 1


def _check_output(env: dict[str, str]) -> subprocess.CompletedProcess:
    """Django's system checks in a fresh process configured by ``env`` (settings read the
    environment once, at import)."""
    child = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    child.update(env, DJANGO_SETTINGS_MODULE="rapport.settings")
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child, timeout=60
    )


def test_system_checks_warn_about_an_open_data_folder_and_key_file(tmp_path):
    data = _make(tmp_path / "data", 0o755, folder=True)
    key_file = tmp_path / "keys"
    key_file.write_text(good_env(tmp_path)["RAPPORT_ENCRYPTION_KEYS"] + "\n")
    key_file.chmod(0o644)
    env = good_env(tmp_path, RAPPORT_ENCRYPTION_KEY_FILE=str(key_file))
    del env["RAPPORT_ENCRYPTION_KEYS"]

    result = _check_output(env)

    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "rapport.W001" in line]
    assert len(warnings) == 2, result.stderr
    assert f"{data} can be reached by other accounts on this machine (mode 0755)" in warnings[0]
    assert f"{key_file} can be reached by other accounts" in warnings[1]
    assert f"chmod 700 {data}" in result.stderr
    assert f"chmod 600 {key_file}" in result.stderr
    # The database file Rapport created inside stays private, so it is not named.
    assert "rapport.sqlite3 can be reached" not in result.stderr

    data.chmod(0o700)
    key_file.chmod(0o600)
    assert "rapport.W001" not in _check_output(env).stderr


def test_a_new_demo_data_folder_raises_no_warning(tmp_path):
    result = _check_output({"RAPPORT_DEBUG": "1", "RAPPORT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert "rapport.W001" not in result.stderr
    assert "no issues" in result.stdout


def test_serve_prints_the_warning_before_starting(tmp_path, settings, capsys):
    """gunicorn runs no system checks, so `rapport serve` says it itself."""
    folder = _make(tmp_path / "data", 0o750, folder=True)
    settings.PRIVATE_PATHS = [str(folder)]
    cli._warn_private_paths()
    err = capsys.readouterr().err
    assert err.startswith(f"warning: {folder} can be reached by other accounts")
    assert f"chmod 700 {folder}" in err

    folder.chmod(0o700)
    cli._warn_private_paths()
    assert capsys.readouterr().err == ""
