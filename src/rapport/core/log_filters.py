"""Logging filters for the records Django writes about requests it refuses.

Wired in ``settings.LOGGING``; no database, no request data beyond the record's message.
"""

from __future__ import annotations

import logging

__all__ = ["RefusedHostLine"]

# A Host header can be kilobytes long, and Django's message repeats it twice.
MAX_MESSAGE = 300


class RefusedHostLine(logging.Filter):
    """A request naming a host this server does not answer to (DisallowedHost) becomes one
    warning line: no traceback, a message of at most ``MAX_MESSAGE`` characters.

    Anyone can send such requests at will (scanners do, all day): Django logs each as an
    error with its full traceback, which buries the log's real errors and makes them look
    like Rapport's own. The request is still answered 400; only its log line changes."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        message = record.getMessage()
        if len(message) > MAX_MESSAGE:
            record.msg, record.args = message[: MAX_MESSAGE - 1] + "…", ()
        return True
