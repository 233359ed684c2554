"""Check-in tokens and password-reset keys never reach a log line (rapport.lib.redact)."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from tests.core._gunicorn import gunicorn_serving

from rapport.lib.redact import REDACTED, redact_secret_paths

TOKEN = "k3Jq-9xZ_secretTOKEN"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f'"GET /c/{TOKEN}/ HTTP/1.1" 200', f'"GET /c/{REDACTED}/ HTTP/1.1" 200'),
        (f"POST /c/{TOKEN}/?step=2", f"POST /c/{REDACTED}/?step=2"),
        (f"/accounts/password/reset/key/1-{TOKEN}/", f"/accounts/password/reset/key/{REDACTED}/"),
        ("GET /clients/12/ HTTP/1.1", "GET /clients/12/ HTTP/1.1"),
        ("GET /checkins/4/revoke/", "GET /checkins/4/revoke/"),
        (
            f'"GET /api/v1/clients/1/responses?token=rpt_{TOKEN} HTTP/1.1" 401',
            f'"GET /api/v1/clients/1/responses?token=rpt_{REDACTED} HTTP/1.1" 401',
        ),
    ],
)
def test_secret_path_segments_are_replaced_and_nothing_else(line, expected):
    assert redact_secret_paths(line) == expected


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.mark.parametrize("name", ["django.server", "django.request"])
def test_the_request_loggers_redact_the_token(name, settings):
    # The configured loggers, as the development server and Django's 404 warnings use them.
    logger = logging.getLogger(name)
    handler = _Lines()
    logger.addHandler(handler)
    try:
        logger.warning('"%s" %s %s', f"GET /c/{TOKEN}/ HTTP/1.1", 404, 179)
    finally:
        logger.removeHandler(handler)
    assert handler.lines == [f'"GET /c/{REDACTED}/ HTTP/1.1" 404 179']


_APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""


def test_gunicorns_access_log_has_no_token(tmp_path: Path):
    # A real gunicorn with the command line `rapport serve` runs, serving a stub app.
    with gunicorn_serving(tmp_path, _APP) as served:
        port = served.port
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/c/{TOKEN}/",
            headers={"Referer": f"http://127.0.0.1:{port}/c/{TOKEN}/"},
        )
        for _ in range(100):
            try:
                assert urllib.request.urlopen(request, timeout=5).read() == b"ok"  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
    output = served.output
    access = [line for line in output.splitlines() if "GET /c/" in line]
    assert access, output
    assert TOKEN not in output
    assert f"GET /c/{REDACTED}/" in access[0] and f"/c/{REDACTED}/" in access[0].split('"')[3]
