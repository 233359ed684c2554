"""RAPPORT_LOG_LEVEL governs Django's own log lines too (docs/operations.md, "Logs"): at
ERROR, Django's warnings (a 404 or 410 per request, a refused host) are hidden. Floors hold
whatever the level: a request that failed with a 500 is always logged with its traceback,
and Django's DEBUG lines (SQL with its parameters among them) never are.

Each case configures logging in a fresh interpreter from the environment, as start-up does,
and writes the records Django itself writes (``django.utils.log.log_response``), then reads
what reached stderr."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD_KEYS = "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMTI="

EMIT = """
import logging, django
django.setup()
from django.http import HttpResponse
from django.utils.log import log_response
log_response("Not Found: %s", "/nowhere/", response=HttpResponse(status=404))
logging.getLogger("django.security.DisallowedHost").warning(
    "Invalid HTTP_HOST header: 'scanner.example'."
)
logging.getLogger("django.template").info("a django info line")
logging.getLogger("django.db.backends").debug("(0.001) SELECT secret_sql FROM clinic_client")
logging.getLogger("django.template").debug("Failed lookup for key [x] in <Client: secret_name>")
logging.getLogger("rapport.checkins").debug("a rapport debug line")
try:
    raise RuntimeError("the page broke")
except RuntimeError as broke:
    log_response(
        "Internal Server Error: %s", "/broken/", response=HttpResponse(status=500), exception=broke
    )
"""


def _logged(tmp_path, level: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.update(
        RAPPORT_SECRET_KEY="x" * 40,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEYS,
        RAPPORT_BASE_URL="https://rapport.example.org",
        RAPPORT_DATA_DIR=str(tmp_path / "data"),
        DJANGO_SETTINGS_MODULE="rapport.settings",
    )
    if level is not None:
        env["RAPPORT_LOG_LEVEL"] = level
    out = subprocess.run(
        [sys.executable, "-c", EMIT],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stderr


def _has_the_500_with_its_traceback(log: str) -> bool:
    return (
        "ERROR django.request Internal Server Error: /broken/" in log
        and "Traceback (most recent call last)" in log
        and "RuntimeError: the page broke" in log
    )


@pytest.mark.parametrize("level", ["ERROR", "error", "CRITICAL"])
def test_at_error_or_above_djangos_warnings_are_hidden_but_a_500_is_not(tmp_path, level):
    log = _logged(tmp_path, level)
    assert "Not Found: /nowhere/" not in log
    assert "Invalid HTTP_HOST header" not in log
    assert "a django info line" not in log
    assert _has_the_500_with_its_traceback(log)


def test_at_warning_djangos_warnings_show_and_its_info_does_not(tmp_path):
    log = _logged(tmp_path, "WARNING")
    assert "WARNING django.request Not Found: /nowhere/" in log
    assert "WARNING django.security.DisallowedHost Invalid HTTP_HOST header" in log
    assert "a django info line" not in log
    assert _has_the_500_with_its_traceback(log)


def test_by_default_django_logs_at_info(tmp_path):
    log = _logged(tmp_path, None)
    assert "INFO django.template a django info line" in log
    assert "WARNING django.request Not Found: /nowhere/" in log
    assert _has_the_500_with_its_traceback(log)


def test_at_debug_rapport_logs_debug_but_django_stays_at_info(tmp_path):
    # Django's DEBUG lines can carry client data: SQL with its parameters, the repr of the
    # object a template lookup failed on.
    log = _logged(tmp_path, "DEBUG")
    assert "DEBUG rapport.checkins a rapport debug line" in log
    assert "INFO django.template a django info line" in log
    assert "secret_sql" not in log and "secret_name" not in log
    assert _has_the_500_with_its_traceback(log)
