"""Start-up fails with one line naming the variable when the environment is wrong."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rapport.lib.env import ConfigError, check_database_url, env_bool, env_int

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
