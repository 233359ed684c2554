"""Start-up refuses host names and database URLs that would fail later, with one line
naming the variable and saying what to write instead (never echoing a password)."""

from __future__ import annotations

import pytest
from tests.core.test_settings import assert_one_line_naming, good_env, run_rapport

from rapport.lib.env import ConfigError, check_allowed_hosts, check_database_url


@pytest.mark.parametrize(
    ("entry", "bare"),
    [
        ("https://rapport.example.org/", "rapport.example.org"),
        ("http://rapport.example.org", "rapport.example.org"),
        ("rapport.example.org/", "rapport.example.org"),
        ("rapport.example.org/clinic", "rapport.example.org"),
        ("rapport.example.org:8443", "rapport.example.org"),
        ("https://[2001:db8::1]:8443/", "[2001:db8::1]"),
        ("2001:db8::1", "[2001:db8::1]"),
        ("*.example.org", ".example.org"),
    ],
)
def test_an_allowed_host_with_a_scheme_port_or_path_is_refused_showing_the_bare_host(entry, bare):
    with pytest.raises(ConfigError, match="^RAPPORT_ALLOWED_HOSTS: ") as raised:
        check_allowed_hosts(["localhost", entry])
    assert str(raised.value).endswith(f"use {bare}.")


@pytest.mark.parametrize("entry", ["exa mple.org", "example.org.", "rapport_example"])
def test_an_allowed_host_that_is_no_host_name_is_refused(entry):
    with pytest.raises(ConfigError, match="RAPPORT_ALLOWED_HOSTS"):
        check_allowed_hosts([entry])


def test_the_host_forms_django_understands_are_accepted():
    hosts = ["rapport.example.org", ".example.org", "10.0.0.1", "[::1]", "localhost", "*"]
    assert check_allowed_hosts(hosts) == hosts


def test_start_up_refuses_an_allowed_host_written_as_a_url(tmp_path):
    result = run_rapport(
        "migrate",
        **good_env(tmp_path, RAPPORT_ALLOWED_HOSTS="https://rapport.example.org/"),
    )
    assert_one_line_naming(result, "RAPPORT_ALLOWED_HOSTS")
    assert "use rapport.example.org." in result.stderr


@pytest.mark.parametrize("url", ["postgres://u:p@[::1/db", "postgres://u:secret@[::1/db"])
def test_an_unclosed_ipv6_bracket_is_one_line_not_a_traceback(url):
    with pytest.raises(ConfigError, match="^RAPPORT_DATABASE_URL is not a valid URL") as raised:
        check_database_url(url)
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:pa#secret@127.0.0.1/db",
        "postgres://u:pa?secret@127.0.0.1/db",
        "postgres://u:pa/secret@127.0.0.1/db",
    ],
)
def test_an_unescaped_special_character_in_the_password_is_named_as_the_problem(url):
    with pytest.raises(ConfigError, match="RAPPORT_DATABASE_URL") as raised:
        check_database_url(url)
    message = str(raised.value)
    assert "must be percent-encoded" in message and "names no database" not in message
    assert "secret" not in message


@pytest.mark.parametrize(
    "url",
    ["postgres://u:p%23ss@127.0.0.1/db", "postgres://u:p@ss@127.0.0.1/db", "postgres://[::1]/db"],
)
def test_a_percent_encoded_password_and_a_bracketed_ipv6_host_are_accepted(url):
    check_database_url(url)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgres://u:p@[::1/db", "an IPv6 host goes in brackets"),
        ("postgres://u:pa#ss@127.0.0.1/db", "special characters in the password must be"),
    ],
)
def test_migrate_with_a_malformed_database_url_says_so_in_one_line(tmp_path, url, says):
    result = run_rapport("migrate", **good_env(tmp_path, RAPPORT_DATABASE_URL=url))
    assert_one_line_naming(result, "RAPPORT_DATABASE_URL")
    assert says in result.stderr
