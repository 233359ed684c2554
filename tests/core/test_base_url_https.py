"""With HTTPS on, check-in links start with https://: start-up refuses an http:// base URL
(or none, whose default is http://) with one line naming RAPPORT_BASE_URL.

A client's phone opening its first link knows nothing of the server's HSTS yet, so an
http:// link would send the client's token in clear text. Demo and debug run on one laptop
and keep http:// on loopback.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from tests.core.test_settings import assert_one_line_naming, good_env, run_rapport

from rapport.lib.env import ConfigError, check_base_url


@pytest.mark.parametrize(
    "url", ["http://rapport.example.org", "http://127.0.0.1:8000", "http://localhost:8000"]
)
def test_with_https_on_an_http_base_url_is_refused(url):
    with pytest.raises(ConfigError, match="^RAPPORT_BASE_URL must start with https://") as raised:
        check_base_url(url, require_https=True)
    assert url in str(raised.value)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:8000", "HTTP://127.0.0.2"],
)
def test_demo_and_debug_keep_http_on_loopback(url):
    assert check_base_url(url, require_https=True, loopback_http=True) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://192.168.1.20:8000", "http://rapport.example.org"])
def test_demo_and_debug_with_https_on_refuse_http_elsewhere(url):
    with pytest.raises(ConfigError, match="RAPPORT_BASE_URL"):
        check_base_url(url, require_https=True, loopback_http=True)


def test_https_and_plain_http_without_https_mode_are_accepted():
    assert check_base_url("https://rapport.example.org/", require_https=True) == (
        "https://rapport.example.org"
    )
    assert check_base_url("http://rapport.example.org") == "http://rapport.example.org"


def test_start_up_with_https_on_refuses_an_http_base_url(tmp_path):
    env = good_env(tmp_path, RAPPORT_BASE_URL="http://rapport.example.org")
    result = run_rapport("migrate", **env)
    assert_one_line_naming(result, "RAPPORT_BASE_URL")
    assert "https://" in result.stderr
    # Nothing was created: start-up stopped before the database was opened.
    assert not (tmp_path / "data" / "rapport.sqlite3").exists()


def test_start_up_with_https_on_requires_a_base_url(tmp_path):
    env = good_env(tmp_path)
    del env["RAPPORT_BASE_URL"]  # the default, http://127.0.0.1:8000, is no address for links
    result = run_rapport("migrate", **env)
    assert_one_line_naming(result, "RAPPORT_BASE_URL")
    assert "required with RAPPORT_HTTPS on" in result.stderr


def _base_url(tmp_path, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update({"RAPPORT_DATA_DIR": str(tmp_path / "data"), **env_vars})
    code = "import rapport.settings as s; print(s.BASE_URL)"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


@pytest.mark.parametrize("mode", ["RAPPORT_DEBUG", "RAPPORT_DEMO"])
def test_demo_and_debug_still_start_with_the_loopback_default(tmp_path, mode):
    for https in ("0", "1"):
        result = _base_url(tmp_path, **{mode: "1", "RAPPORT_HTTPS": https})
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "http://127.0.0.1:8000"


def test_with_https_off_an_http_base_url_is_the_operators_choice(tmp_path):
    result = _base_url(
        tmp_path,
        **{k: v for k, v in good_env(tmp_path).items() if k != "RAPPORT_BASE_URL"},
        RAPPORT_HTTPS="0",
        RAPPORT_BASE_URL="http://rapport.internal:8000",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://rapport.internal:8000"
