"""Read settings from the environment, failing loudly and clearly on bad values.

Framework-free so that the CLI can validate the environment before Django starts.
Every error names the variable, so an operator can fix a deployment from one line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse

__all__ = ["ConfigError", "env_bool", "env_int", "env_list", "env_str", "check_database_url"]

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
    """Reject URLs we cannot use before Django turns them into a traceback."""
    parsed = urlparse(url)
    if parsed.scheme not in _SUPPORTED_SCHEMES:
        raise ConfigError(
            f"{name} must start with postgres:// or sqlite:/// (got scheme {parsed.scheme!r})."
        )
    if parsed.scheme == "sqlite":
        return
    if not parsed.hostname and not parsed.path.strip("/"):
        raise ConfigError(f"{name} names no host or database: {url.split('@')[-1]!r}.")
