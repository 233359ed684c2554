"""Start-up fails with one line naming the variable when the environment is wrong."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from allauth.core.internal.ratelimit import parse_rates

from rapport.lib.env import (
    ConfigError,
    check_base_url,
    check_database_url,
    check_log_level,
    check_rate_limits,
    check_time_zone,
    env_bool,
    env_int,
)

GOOD_KEYS = "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMTI="


def run_rapport(*args, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(env_overrides)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "rapport.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_env_bool_names_the_variable():
    with pytest.raises(ConfigError, match="RAPPORT_DEBUG"):
        env_bool("RAPPORT_DEBUG", False, environ={"RAPPORT_DEBUG": "maybe"})


def test_env_int_checks_range():
    with pytest.raises(ConfigError, match="RAPPORT_SESSION_TIMEOUT_MINUTES"):
        env_int(
            "RAPPORT_SESSION_TIMEOUT_MINUTES",
            30,
            minimum=1,
            environ={"RAPPORT_SESSION_TIMEOUT_MINUTES": "0"},
        )


def test_unknown_database_scheme_is_refused():
    with pytest.raises(ConfigError, match="RAPPORT_DATABASE_URL"):
        check_database_url("mysql://db/rapport")


def test_missing_secret_key_stops_start_up_with_one_line(tmp_path):
    result = run_rapport(
        "migrate", RAPPORT_DATA_DIR=str(tmp_path), RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS
    )
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "RAPPORT_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_debug_value_names_the_variable(tmp_path):
    result = run_rapport("migrate", RAPPORT_DEBUG="perhaps", RAPPORT_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "RAPPORT_DEBUG" in result.stderr and "Traceback" not in result.stderr


def test_wrong_database_url_gives_one_clear_line(tmp_path):
    result = run_rapport(
        "migrate",
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_BASE_URL="https://rapport.example.org",
        RAPPORT_DATABASE_URL="postgres://nobody:nothing@127.0.0.1:1/none",
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "rapport: cannot connect to the database (RAPPORT_DATABASE_URL)"
    )
    assert "Traceback" not in result.stderr
    bad_scheme = run_rapport(
        "migrate",
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_BASE_URL="https://rapport.example.org",
        RAPPORT_DATABASE_URL="nonsense",
    )
    assert bad_scheme.returncode == 2 and "RAPPORT_DATABASE_URL" in bad_scheme.stderr


def test_debug_is_off_by_default(tmp_path):
    code = (
        "import rapport.settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.PASSWORD_HASHERS[0], "
        "s.EMAIL_BACKEND, s.PASSWORD_RESET_BY_EMAIL)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_BASE_URL="https://rapport.example.org",
        RAPPORT_DATA_DIR=str(tmp_path),
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.split() == [
        "False",
        "True",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        # No mail server: mail (password-reset links) is dropped, never printed to the logs.
        "django.core.mail.backends.dummy.EmailBackend",
        "False",
    ]


def test_demo_mode_prints_mail_even_with_a_mail_server_set(tmp_path):
    code = "import rapport.settings as s; print(s.EMAIL_BACKEND)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(
        RAPPORT_DEMO="1",
        RAPPORT_EMAIL_HOST="smtp.clinic.example",
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_DATA_DIR=str(tmp_path),
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.stdout.split() == ["django.core.mail.backends.console.EmailBackend"], out.stderr


def good_env(tmp_path, **overrides):
    """A complete, valid environment (with a private data folder under ``tmp_path``)."""
    return {
        "RAPPORT_SECRET_KEY": "x" * 40,
        "RAPPORT_ENCRYPTION_KEYS": GOOD_KEYS,
        "RAPPORT_DATA_DIR": str(tmp_path / "data"),
        "RAPPORT_BASE_URL": "https://rapport.example.org",  # required with HTTPS on
        **overrides,
    }


def stdout_under_settings(tmp_path, script: str, **env_overrides) -> str:
    """What ``script`` prints, run in a fresh process whose settings are built from
    :func:`good_env` (served at rapport.example.org) plus ``env_overrides``, with none of
    this process's RAPPORT_ variables: settings are read once per process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(
        good_env(tmp_path, RAPPORT_ALLOWED_HOSTS="rapport.example.org", **env_overrides),
        DJANGO_SETTINGS_MODULE="rapport.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_one_line_naming(result, variable):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith(f"rapport: {variable}")


@pytest.mark.parametrize("keys", ["not-a-key", f"{GOOD_KEYS},not-a-key"])
def test_a_malformed_encryption_key_stops_start_up_before_migrate(tmp_path, keys):
    result = run_rapport("migrate", **good_env(tmp_path, RAPPORT_ENCRYPTION_KEYS=keys))
    assert_one_line_naming(result, "RAPPORT_ENCRYPTION_KEYS")
    assert "not-a-key" not in result.stderr  # a key is a secret, even a broken one
    # Nothing was created: the database was never opened.
    assert not (tmp_path / "data" / "rapport.sqlite3").exists()


def test_a_key_file_holding_garbage_names_the_variable(tmp_path):
    key_file = tmp_path / "keys"
    key_file.write_text("# newest first\ngarbage\n")
    env = good_env(tmp_path, RAPPORT_ENCRYPTION_KEY_FILE=str(key_file))
    env.pop("RAPPORT_ENCRYPTION_KEYS")
    result = run_rapport("migrate", **env)
    assert_one_line_naming(result, "RAPPORT_ENCRYPTION_KEY_FILE")
    assert "key 1 of 1" in result.stderr
    key_file.write_bytes(b"\xff\xfe\x00garbage\n")
    result = run_rapport("migrate", **env)
    assert_one_line_naming(result, "RAPPORT_ENCRYPTION_KEY_FILE")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RAPPORT_TIME_ZONE", "Mars/Olympus"),
        ("RAPPORT_LOG_LEVEL", "LOUD"),
        ("RAPPORT_LOGIN_FAILED_LIMIT", "garbage"),
        ("RAPPORT_LOGIN_FAILED_LIMIT", "5/5m/user"),
        ("RAPPORT_DATABASE_URL", "postgres://h/"),
        ("RAPPORT_BASE_URL", "not-a-url"),
    ],
)
def test_a_malformed_setting_gives_one_line_naming_it(tmp_path, variable, value):
    result = run_rapport("migrate", **good_env(tmp_path, **{variable: value}))
    assert_one_line_naming(result, variable)


@pytest.mark.parametrize(
    "value", ["garbage", "5/5m/key,", "0/5m/key", "5/0m/ip", "5/5x/ip", "5/5m/user", "5"]
)
def test_login_limits_must_be_allauth_rates_for_anonymous_requests(value):
    with pytest.raises(ConfigError, match="RAPPORT_LOGIN_FAILED_LIMIT"):
        check_rate_limits(value)


@pytest.mark.parametrize("value", ["5/5m/key,20/5m/ip", "5/m", "3/1.5h/key", " 10/30s/ip "])
def test_allauth_rates_for_failed_logins_are_accepted(value):
    parse_rates(check_rate_limits(value))  # and allauth reads them


@pytest.mark.parametrize(
    "value",
    ["not-a-url", "rapport.example.org", "ftp://h", "https://", "https://h:port", "https://h/?a=1"],
)
def test_the_base_url_must_be_an_http_address(value):
    with pytest.raises(ConfigError, match="RAPPORT_BASE_URL"):
        check_base_url(value)


def test_the_base_url_never_echoes_a_password():
    with pytest.raises(ConfigError, match="RAPPORT_BASE_URL") as raised:
        check_base_url("https://user:hunter2@rapport.example.org")
    assert "hunter2" not in str(raised.value)


def test_a_good_base_url_loses_its_trailing_slash():
    assert check_base_url("https://rapport.example.org/clinic/") == (
        "https://rapport.example.org/clinic"
    )


def test_a_database_url_without_a_database_name_is_refused():
    for url in ("postgres://h/", "postgres://user:pw@h:5432", "postgres://h/?sslmode=require"):
        with pytest.raises(ConfigError, match="RAPPORT_DATABASE_URL names no database") as raised:
            check_database_url(url)
        assert "pw" not in str(raised.value)
    check_database_url("postgres:///rapport")  # a local socket needs no host


def test_time_zone_and_log_level_are_checked():
    assert check_time_zone("America/New_York") == "America/New_York"
    assert check_log_level("warning") == "WARNING"
    with pytest.raises(ConfigError, match="RAPPORT_TIME_ZONE"):
        check_time_zone("Mars/Olympus")
    with pytest.raises(ConfigError, match="RAPPORT_LOG_LEVEL"):
        check_log_level("LOUD")


def test_the_data_folder_and_sqlite_files_are_private(tmp_path):
    env = good_env(tmp_path)
    result = run_rapport("migrate", "-v", "0", **env)
    assert result.returncode == 0, result.stderr
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert stat.S_IMODE((data / "rapport.sqlite3").stat().st_mode) == 0o600
    # While a connection is open, SQLite's -wal and -shm files exist: private too.
    code = (
        "import os, stat, django; django.setup()\n"
        "from django.contrib.sessions.models import Session\n"
        "from django.utils import timezone\n"
        "Session.objects.create("
        "    session_key='k' * 32, session_data='', expire_date=timezone.now())\n"
        "folder = os.environ['RAPPORT_DATA_DIR']\n"
        "for name in sorted(os.listdir(folder)):\n"
        "    print(name, oct(stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode)))\n"
    )
    child = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    child.update(env, DJANGO_SETTINGS_MODULE="rapport.settings")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=child, timeout=60
    )
    assert out.returncode == 0, out.stderr
    modes = dict(line.split() for line in out.stdout.splitlines())
    assert modes == {
        "rapport.sqlite3": "0o600",
        "rapport.sqlite3-shm": "0o600",
        "rapport.sqlite3-wal": "0o600",
    }


def test_an_existing_data_folder_keeps_its_permissions(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o750)
    data.chmod(0o750)
    result = run_rapport("migrate", "-v", "0", **good_env(tmp_path))
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(data.stat().st_mode) == 0o750
    assert stat.S_IMODE((data / "rapport.sqlite3").stat().st_mode) == 0o600


def test_demo_keys_are_private_from_the_start(tmp_path):
    env = {"RAPPORT_DEBUG": "1", "RAPPORT_DATA_DIR": str(tmp_path / "data")}
    result = run_rapport("migrate", "-v", "0", **env)
    assert result.returncode == 0, result.stderr
    for name in ("secret-key", "encryption-key", "rapport.sqlite3"):
        assert stat.S_IMODE((tmp_path / "data" / name).stat().st_mode) == 0o600


def test_migrate_creates_the_login_throttles_table_in_the_database(tmp_path):
    import sqlite3

    done = run_rapport(
        "migrate",
        "-v",
        "0",
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_BASE_URL="https://rapport.example.org",
        RAPPORT_DATA_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "rapport.sqlite3") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    # Failed-login counts live in the database, shared by every worker on every host.
    assert "rapport_cache" in tables
