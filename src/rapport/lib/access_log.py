"""gunicorn's access and error logs without check-in tokens (``rapport serve`` uses this
logger class).

See ``rapport.lib.redact`` for why. Every value of the access log line is redacted: the
request line and path, and also the Referer header, which carries the check-in page's own
URL for each stylesheet and script that page loads. The error log writes request lines
too ("Error handling request POST /c/<token>/" with its traceback when the app fails,
"Invalid request from ip=...: <request line>" for a malformed request), so its records
pass through RedactSecretPaths, message and traceback.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from rapport.lib.redact import RedactSecretPaths, redact_secret_paths

__all__ = ["RedactingLogger"]


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        # On the logger, for gunicorn's own records whatever handlers a log config gives it;
        # on its handlers (set up again on each reload), for records of child loggers too.
        for target in (self.error_log, *self.error_log.handlers):
            if not any(isinstance(f, RedactSecretPaths) for f in target.filters):
                target.addFilter(RedactSecretPaths())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact_secret_paths(v) if isinstance(v, str) else v for k, v in atoms.items()}
