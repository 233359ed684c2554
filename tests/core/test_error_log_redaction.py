"""gunicorn's error log, and tracebacks in any log, carry no check-in token
(rapport.lib.access_log.RedactingLogger, rapport.lib.redact.RedactSecretPaths)."""

from __future__ import annotations

import logging
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config
from tests.core._gunicorn import gunicorn_serving

from rapport.lib.access_log import RedactingLogger
from rapport.lib.redact import REDACTED, RedactSecretPaths

TOKEN = "k3Jq-9xZ_secretTOKEN_errorlog"


def _gunicorn_logger(tmp_path: Path) -> tuple[RedactingLogger, Path]:
    path = tmp_path / "error.log"
    cfg = Config()
    cfg.set("errorlog", str(path))
    return RedactingLogger(cfg), path


def test_a_failed_request_is_logged_with_its_traceback_and_without_the_token(tmp_path):
    log, path = _gunicorn_logger(tmp_path)
    try:
        raise RuntimeError(f"could not answer /c/{TOKEN}/")
    except RuntimeError:
        # What gunicorn's worker logs when the application raises (Worker.handle_error).
        log.exception("Error handling request %s %s", "POST", f"/c/{TOKEN}/")
    text = path.read_text()
    assert TOKEN not in text
    assert f"Error handling request POST /c/{REDACTED}/" in text
    assert "Traceback (most recent call last)" in text
    assert f"RuntimeError: could not answer /c/{REDACTED}/" in text


def test_an_invalid_request_line_is_logged_without_the_token(tmp_path):
    log, path = _gunicorn_logger(tmp_path)
    log.warning(f"Invalid request from ip=192.0.2.1: Invalid HTTP Version 'GET /c/{TOKEN}/ HTTP/9'")
    text = path.read_text()
    assert TOKEN not in text
    assert f"Invalid HTTP Version 'GET /c/{REDACTED}/ HTTP/9'" in text


def test_the_error_log_stays_redacted_after_gunicorn_sets_its_logging_up_again(tmp_path):
    log, path = _gunicorn_logger(tmp_path)
    log.setup(log.cfg)  # what a configuration reload (SIGHUP) runs
    log.error("Error handling request %s", f"/c/{TOKEN}/")
    assert TOKEN not in path.read_text()
    assert sum(isinstance(f, RedactSecretPaths) for f in log.error_log.filters) == 1


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_the_filter_redacts_a_traceback_and_keeps_the_rest_of_it():
    logger = logging.getLogger("tests.error_log_redaction")
    handler = _Lines()
    handler.addFilter(RedactSecretPaths())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"bad link /c/{TOKEN}/ and key /accounts/password/reset/key/{TOKEN}/")
        except ValueError:
            logger.exception("a request failed")
        try:
            raise ValueError("nothing secret here")
        except ValueError:
            logger.exception("another failed")
    finally:
        logger.removeHandler(handler)
    first, second = handler.lines
    assert TOKEN not in first
    assert first.startswith("ERROR a request failed\nTraceback (most recent call last)")
    assert (
        f"ValueError: bad link /c/{REDACTED}/ and key /accounts/password/reset/key/{REDACTED}/"
        in (first)
    )
    assert second.endswith("ValueError: nothing secret here")


_APP = """
def app(environ, start_response):
    raise RuntimeError("failed on " + environ["PATH_INFO"])
"""


def test_gunicorns_error_log_has_no_token(tmp_path: Path):
    # A real gunicorn with the command line `rapport serve` runs, serving an app that fails.
    with gunicorn_serving(tmp_path, _APP) as served:
        port = served.port
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/c/{TOKEN}/", timeout=5)  # noqa: S310
            except urllib.error.HTTPError as error:
                assert error.code == 500
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            # A request line without a version: gunicorn refuses it, quoting the line.
            raw.sendall(f"GET /c/{TOKEN}/\r\nHost: x\r\n\r\n".encode())
            raw.recv(1024)
    output = served.output
    assert f"Error handling request GET /c/{REDACTED}/" in output, output
    assert f"RuntimeError: failed on /c/{REDACTED}/" in output, output
    assert f"Invalid HTTP request line: 'GET /c/{REDACTED}/'" in output, output
    assert TOKEN not in output
