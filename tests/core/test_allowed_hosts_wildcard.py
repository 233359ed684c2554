"""RAPPORT_ALLOWED_HOSTS=* is refused outside demo and debug: it lets a request name any
host, and whatever is built from the request's host then points wherever the sender chose."""

from __future__ import annotations

import pytest
from tests.core.test_settings import assert_one_line_naming, good_env, run_rapport

from rapport.lib.env import ConfigError, check_allowed_hosts


def test_any_host_is_refused_where_asked_saying_what_to_write_instead():
    with pytest.raises(ConfigError, match="^RAPPORT_ALLOWED_HOSTS: '\\*' answers") as raised:
        check_allowed_hosts(["rapport.example.org", "*"], refuse_any=True)
    assert "allowed only in demo or debug mode" in str(raised.value)
    assert "e.g. rapport.example.org" in str(raised.value)


def test_named_hosts_and_subdomains_pass_where_any_host_is_refused():
    hosts = ["rapport.example.org", ".example.org", "10.0.0.1", "[::1]"]
    assert check_allowed_hosts(hosts, refuse_any=True) == hosts


def test_start_up_refuses_any_host_outside_demo_and_debug(tmp_path):
    result = run_rapport("migrate", **good_env(tmp_path, RAPPORT_ALLOWED_HOSTS="*"))
    assert_one_line_naming(result, "RAPPORT_ALLOWED_HOSTS")
    assert "allowed only in demo or debug mode" in result.stderr


def test_demo_still_accepts_any_host(tmp_path):
    result = run_rapport(
        "migrate", **good_env(tmp_path, RAPPORT_ALLOWED_HOSTS="*", RAPPORT_DEMO="1")
    )
    assert result.returncode == 0, result.stderr
