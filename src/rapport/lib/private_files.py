"""Create folders and files that only the server's own account can read.

The SQLite database holds live sessions, MFA secrets and the clinic's (encrypted) client
data, next to the key files in the data folder: anyone else on the machine who can read
it can take over a signed-in session. Files are created with the right mode from the
start, rather than loosened by the process umask and tightened afterwards, so there is no
moment when they are readable by others. Existing files and folders are left as they are
(their permissions may be the operator's choice), but :func:`open_to_others` finds those
that other accounts can reach, for a warning (rapport.core.checks).

SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so creating
the database file with 0600 before SQLite opens it covers them too.

Pure module: no Django import.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PRIVATE_DIR_MODE",
    "PRIVATE_FILE_MODE",
    "OpenPath",
    "open_to_others",
    "private_dir",
    "private_file",
]

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create ``path`` (mode 0700) if it does not exist; missing parents get the usual mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        path.mkdir(mode=PRIVATE_DIR_MODE)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (an empty file is a valid
    empty SQLite database)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    os.close(descriptor)


@dataclass(frozen=True)
class OpenPath:
    """A file or folder that accounts other than its owner can reach."""

    path: Path
    mode: int  # the permission bits, e.g. 0o755
    is_dir: bool

    @property
    def fix(self) -> str:
        """The command that makes it private."""
        return f"chmod {PRIVATE_DIR_MODE if self.is_dir else PRIVATE_FILE_MODE:o} {self.path}"


def open_to_others(paths: Iterable[Path | str]) -> list[OpenPath]:
    """The ``paths`` whose group or other permission bits are set: read, write or search
    (a folder others may only enter still lets them open any file in it whose own mode
    allows it). Missing paths are skipped; nothing is reported where permission bits mean
    nothing (Windows)."""
    if os.name != "posix":
        return []
    found: list[OpenPath] = []
    for path in dict.fromkeys(Path(p) for p in paths):
        try:
            info = path.stat()
        except OSError:
            continue
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            found.append(OpenPath(path, mode, stat.S_ISDIR(info.st_mode)))
    return found
