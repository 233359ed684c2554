"""gunicorn's access log without check-in tokens (``rapport serve`` uses this logger class).

See ``rapport.lib.redact`` for why. Every value of the log line is redacted: the request
line and path, and also the Referer header, which carries the check-in page's own URL
for each stylesheet and script that page loads.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from rapport.lib.redact import redact_secret_paths

__all__ = ["RedactingLogger"]


class RedactingLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        return {k: redact_secret_paths(v) if isinstance(v, str) else v for k, v in atoms.items()}
