"""A real gunicorn started as ``rapport serve`` starts it (``cli.gunicorn_argv``), for the
tests that read what its logs say."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rapport.cli import gunicorn_argv


@dataclass
class Served:
    port: int
    output: str = ""  # gunicorn's stdout and stderr, once it has stopped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def gunicorn_serving(tmp_path: Path, app_source: str) -> Iterator[Served]:
    """gunicorn serving ``app`` of ``app_source`` on a free local port; on leaving, it is
    stopped and what it wrote is in ``output``."""
    (tmp_path / "served_app.py").write_text(app_source)
    served = Served(_free_port())
    server = subprocess.Popen(  # noqa: S603 - our own interpreter's gunicorn, fixed arguments
        gunicorn_argv(f"127.0.0.1:{served.port}", 1, app="served_app:app"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        yield served
    finally:
        server.terminate()
        served.output = server.communicate(timeout=10)[0].decode()
