"""Create folders and files that only the server's own account can read.

The SQLite database holds live sessions, MFA secrets and the clinic's (encrypted) client
data, next to the key files in the data folder: anyone else on the machine who can read
it can take over a signed-in session. Files are created with the right mode from the
start, rather than loosened by the process umask and tightened afterwards, so there is no
moment when they are readable by others. Existing files and folders are left as they are:
their permissions may be the operator's choice.

SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so creating
the database file with 0600 before SQLite opens it covers them too.

Pure module: no Django import.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["PRIVATE_DIR_MODE", "PRIVATE_FILE_MODE", "private_dir", "private_file"]

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
