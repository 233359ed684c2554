"""Read settings from the environment, failing loudly and clearly on bad values.

Framework-free so that the CLI can validate the environment before Django starts.
Every error names the variable, so an operator can fix a deployment from one line.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from urllib.parse import urlparse, urlsplit
from zoneinfo import ZoneInfo

__all__ = [
    "ConfigError",
    "check_account_rate_limits",
    "check_allowed_hosts",
    "check_base_url",
    "check_database_url",
    "check_log_level",
    "check_rate_limits",
    "check_time_zone",
    "env_bool",
    "env_int",
    "env_list",
    "env_str",
]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting in the environment is missing or malformed."""


def _get(name: str, environ: Mapping[str, str] | None) -> str | None:
    return (os.environ if environ is None else environ).get(name)


def env_str(
    name: str, default: str | None = None, environ: Mapping[str, str] | None = None
) -> str | None:
    value = _get(name, environ)
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _get(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be one of 1/0, true/false, yes/no, on/off (got {value!r}).")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _get(name, environ)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(f"{name} must be a whole number (got {value!r}).") from None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ConfigError(f"{name} must be between {minimum} and {maximum} (got {number}).")
    return number


def env_list(name: str, default: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    value = _get(name, environ)
    if value is None or value.strip() == "":
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


_SUPPORTED_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql", "postgis"}


def check_database_url(url: str, name: str = "RAPPORT_DATABASE_URL") -> None:
    """Reject URLs we cannot use before Django turns them into a traceback.

    Messages never quote the URL's user part: it holds the database password."""
    try:
        parsed = urlparse(url)
    except ValueError:  # "Invalid IPv6 URL": an unclosed [ in the host
        raise ConfigError(
            f"{name} is not a valid URL: an IPv6 host goes in brackets "
            "(postgres://user:pass@[::1]:5432/rapport), and special characters in the "
            "password must be percent-encoded."
        ) from None
    if parsed.scheme not in _SUPPORTED_SCHEMES:
        raise ConfigError(
            f"{name} must start with postgres:// or sqlite:/// (got scheme {parsed.scheme!r})."
        )
    if parsed.scheme == "sqlite":
        return
    if "@" not in parsed.netloc and "@" in url.partition("://")[2]:
        # A '#', '?' or '/' in the password ends the host part early: the rest of the URL
        # becomes a fragment, a query or a path, and the database name seems missing.
        raise ConfigError(
            f"{name}: the user name or password holds a character that ends the host part "
            "(#, ? or /): special characters in the password must be percent-encoded "
            "(# as %23, ? as %3F, / as %2F, @ as %40, % as %25)."
        )
    # The host may be left out (a local socket), the database name may not: Django
    # would only say so later, with a traceback.
    if not parsed.path.strip("/"):
        raise ConfigError(
            f"{name} names no database (e.g. postgres://user:pass@host:5432/rapport): "
            f"{url.split('@')[-1]!r}."
        )


# What Django compares a request's host with: a name or IPv4 address, ".name" for the name
# and all its subdomains, a bracketed IPv6 address, or "*". Never a port, path or scheme:
# Django drops the port from the request's host before comparing, so such an entry never
# matches and every request would be answered 400.
_ALLOWED_HOST = re.compile(r"\*|\.?[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\]", re.IGNORECASE)


def check_allowed_hosts(
    hosts: list[str], name: str = "RAPPORT_ALLOWED_HOSTS", *, refuse_any: bool = False
) -> list[str]:
    """Host names as Django's ALLOWED_HOSTS wants them: ``rapport.example.org``, not
    ``https://rapport.example.org/``.

    With ``refuse_any`` (everywhere but demo and debug) ``*`` is refused: it lets a request
    name any host at all, and whatever is built from the request's host (a redirect, an
    address in a page) then points wherever the sender chose."""
    if refuse_any and "*" in hosts:
        raise ConfigError(
            f"{name}: '*' answers requests for any host name, which is allowed only in demo "
            "or debug mode: list the names this server is reached at (e.g. "
            "rapport.example.org, or .example.org for it and its subdomains)."
        )
    for host in hosts:
        if _ALLOWED_HOST.fullmatch(host):
            continue
        bare = _bare_host(host)
        hint = f": use {bare}" if bare else ": e.g. rapport.example.org"
        raise ConfigError(
            f"{name}: {host!r} is not a bare host name (no scheme, port or path){hint}."
        )
    return hosts


def _bare_host(entry: str) -> str | None:
    """The host inside an entry like ``https://rapport.example.org:8443/x``, written the
    way ALLOWED_HOSTS wants it, or None if there is none to suggest."""
    if entry.startswith("*."):  # Django's wildcard for subdomains is a leading dot
        entry = entry[1:]
    try:
        ipaddress.IPv6Address(entry)
        return f"[{entry}]"
    except ValueError:
        pass
    try:
        host = urlsplit(entry if "://" in entry else f"//{entry}").hostname
    except ValueError:
        return None
    if host and ":" in host:
        host = f"[{host}]"
    if host and entry.startswith(".") and not host.startswith("."):
        host = f".{host}"
    return host if host and _ALLOWED_HOST.fullmatch(host) else None


def check_base_url(
    url: str,
    name: str = "RAPPORT_BASE_URL",
    *,
    require_https: bool = False,
    loopback_http: bool = False,
) -> str:
    """The public address check-in links start with: ``http(s)://host[:port][/path]``.

    Returns it without a trailing slash. Anything else would be pasted as is in front of
    ``/c/<token>/`` and give clients a link that goes nowhere. With ``require_https`` (the
    server runs behind HTTPS) it must be ``https://``, except an address on this machine
    when ``loopback_http`` allows it (demo and debug): the link carries the client's token.
    """
    parsed = urlparse(url)
    if parsed.username or parsed.password:  # never echo a password back
        raise ConfigError(f"{name} must not carry a user name or password.")
    try:
        parsed.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ConfigError(f"{name} has an invalid port (got {url!r}).") from None
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ConfigError(
            f"{name} must be an address like https://rapport.example.org (got {url!r})."
        )
    if parsed.query or parsed.fragment:
        raise ConfigError(f"{name} must not have a query or fragment (got {url!r}).")
    on_this_machine = loopback_http and _is_loopback(parsed.hostname or "")
    if require_https and parsed.scheme != "https" and not on_this_machine:
        raise ConfigError(
            f"{name} must start with https:// when RAPPORT_HTTPS is on: a check-in link "
            f"sent as http:// gives the client's token away unencrypted (got {url!r})."
        )
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_time_zone(value: str, name: str = "RAPPORT_TIME_ZONE") -> str:
    """An IANA time zone name such as ``Europe/London``."""
    try:
        ZoneInfo(value)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ConfigError(
            f"{name} must be a time zone name like Europe/London (got {value!r})."
        ) from None
    return value


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def check_log_level(value: str, name: str = "RAPPORT_LOG_LEVEL") -> str:
    """One of Python's level names, in any case; returned in capitals."""
    level = value.strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"{name} must be one of {', '.join(_LOG_LEVELS)} (got {value!r}).")
    return level


# allauth's rate syntax: AMOUNT/[N]UNIT[/PER], e.g. 5/5m/key. A failed login is anonymous,
# so only "key" and "ip" (the address; allauth's default when PER is left out) can be
# counted; allauth raises on a malformed rate at the first failed login, so every failed
# login would return a 500. What "key" stands for is the account adapter's choice
# (rapport.accounts.adapter): the account at one address, or the account from anywhere.
_RATE = re.compile(r"(?P<amount>\d+)/(?P<duration>\d*\.?\d*)(?P<unit>[smhd])(?:/(?P<per>[a-z]+))?")
_LOGIN_FAILED_PER = {"key": "key (the account at one address)", "ip": "ip (the address)"}
_LOGIN_FAILED_ACCOUNT_PER = {"key": "key (the account, from any address)"}


def check_rate_limits(value: str, name: str = "RAPPORT_LOGIN_FAILED_LIMIT") -> str:
    """Comma-separated allauth rates for failed logins per account at one address or per
    address, e.g. ``5/5m/key,20/5m/ip``."""
    return _check_rates(value, name, _LOGIN_FAILED_PER, "5/5m/key,10/1h/key,20/5m/ip")


def check_account_rate_limits(value: str, name: str = "RAPPORT_LOGIN_FAILED_ACCOUNT_LIMIT") -> str:
    """Comma-separated allauth rates for failed logins per account from any address, e.g.
    ``30/1h/key``. Each must end in ``/key``: left out, allauth counts per address."""
    return _check_rates(value, name, _LOGIN_FAILED_ACCOUNT_PER, "30/1h/key")


def _check_rates(value: str, name: str, counted: Mapping[str, str], example: str) -> str:
    syntax = f"e.g. {example}: AMOUNT/DURATION/PER, DURATION like 30s, 5m, 1h, 1d"
    parts = [part.strip() for part in value.split(",")]
    for part in parts:
        match = _RATE.fullmatch(part)
        if match is None or int(match["amount"]) < 1:
            raise ConfigError(f"{name}: {part!r} is not a rate ({syntax}).")
        duration = match["duration"]
        if duration and (duration == "." or float(duration) <= 0):
            raise ConfigError(f"{name}: {part!r} has no duration ({syntax}).")
        per = match["per"] or "ip"
        if per not in counted:
            raise ConfigError(
                f"{name}: {part!r} counts per {per!r}; these failed logins are counted per "
                f"{' or '.join(counted.values())} ({syntax})."
            )
    return ",".join(parts)
