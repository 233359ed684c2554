"""Keep secrets that travel in URLs out of the logs.

A client's check-in link (``/c/<token>/``) is the only thing standing between anyone who
reads it and that client's questionnaire, and a password-reset link
(``/accounts/password/reset/key/<key>/``) is a therapist's account. Both end up in request
logs: Django's development server and its "Not Found" warnings log the path, gunicorn's
access log the request line and the Referer of every asset the page loads, and gunicorn's
error log the request line of a request it refused or failed to answer.
Logs are read and kept by more people, for longer, than the database (DESIGN.md §5), so
the token is replaced before the line is written.

Pure module: no Django import (gunicorn's logger class is in ``rapport.lib.access_log``).
"""

from __future__ import annotations

import logging
import re

__all__ = ["REDACTED", "RedactSecretPaths", "redact_secret_paths"]

REDACTED = "[redacted]"
# The path segment after /c/ (check-in links) or after /password/reset/key/ (allauth).
_SECRET_PATHS = re.compile(r"(/c/|/password/reset/key/)[^/\s?#\"']+")
# An API token wherever it appears (sent by mistake in a query string, say: the API
# refuses it there, but the request line with it is logged all the same).
_API_TOKENS = re.compile(r"rpt_[A-Za-z0-9_-]+")


def redact_secret_paths(text: str) -> str:
    """``text`` with every check-in token, password-reset key and API token replaced."""
    return _API_TOKENS.sub(f"rpt_{REDACTED}", _SECRET_PATHS.sub(rf"\1{REDACTED}", text))


# Formats a traceback as a handler's formatter would, to redact it before it is written.
_TRACEBACKS = logging.Formatter()


class RedactSecretPaths(logging.Filter):
    """A logging filter that rewrites a record whose message, traceback or stack carries a
    secret path.

    A traceback is text too: an exception's message can quote the request line or the path
    (gunicorn's "Error handling request" is logged with one, and so is an error raised
    while a check-in page was served). A traceback that holds a secret is formatted here,
    redacted, and kept as the record's ``exc_text``, which formatters write instead of
    formatting ``exc_info`` again; ``exc_info`` is dropped so that no handler with a
    formatter of its own writes the original.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secret_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        traceback = record.exc_text
        if record.exc_info and record.exc_info[0] is not None and not traceback:
            traceback = _TRACEBACKS.formatException(record.exc_info)
        if traceback:
            redacted = redact_secret_paths(traceback)
            if redacted != traceback:
                record.exc_text, record.exc_info = redacted, None
        if record.stack_info:
            record.stack_info = redact_secret_paths(record.stack_info)
        return True
