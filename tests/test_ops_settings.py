"""Start-up refuses, in one line naming the variables, settings that would otherwise be
taken silently in a way nobody meant."""

from __future__ import annotations

from tests.core.test_settings import assert_one_line_naming, good_env, run_rapport


def test_both_encryption_key_variables_set_stop_start_up(tmp_path):
    """RAPPORT_ENCRYPTION_KEYS used to win silently: the key file's new or retired keys
    were then ignored."""
    key_file = tmp_path / "keys"
    key_file.write_text(good_env(tmp_path)["RAPPORT_ENCRYPTION_KEYS"].split(",")[0] + "\n")
    env = good_env(tmp_path, RAPPORT_ENCRYPTION_KEY_FILE=str(key_file))
    result = run_rapport("migrate", **env)
    assert_one_line_naming(result, "RAPPORT_ENCRYPTION_KEYS and RAPPORT_ENCRYPTION_KEY_FILE")
    assert "set only one" in result.stderr
    assert not (tmp_path / "data" / "rapport.sqlite3").exists()


def test_a_relative_sqlite_path_stops_start_up(tmp_path):
    """sqlite:///relative.db is relative to the folder a command runs in: a cron job
    would open another database than the server's."""
    result = run_rapport("migrate", **good_env(tmp_path, RAPPORT_DATABASE_URL="sqlite:///r.db"))
    assert_one_line_naming(result, "RAPPORT_DATABASE_URL")
    assert "relative SQLite path (r.db)" in result.stderr
    assert "four slashes (sqlite:////" in result.stderr


def test_an_absolute_sqlite_path_is_accepted(tmp_path):
    database = tmp_path / "clinic.sqlite3"
    result = run_rapport(
        "migrate", "-v", "0", **good_env(tmp_path, RAPPORT_DATABASE_URL=f"sqlite:///{database}")
    )
    assert result.returncode == 0, result.stderr
    assert database.exists()
