"""SQLite whose file, and the data folder it is in, are created private (0600 and 0700) by the
first connection that opens it, not when the settings are read.

The database holds live sessions and MFA secrets. SQLite would create a missing file with the
process umask (0644), so the file is made, empty (a valid empty database), with mode 0600
just before SQLite opens it; SQLite gives its ``-wal`` and ``-shm`` files the same mode.
Reading the settings creates nothing: a command that finds no database, one run in another
folder (RAPPORT_DATA_DIR defaults to ./data) or an installation on PostgreSQL leaves no empty
folder behind. Existing folders and files keep their permissions (rapport.core.checks warns).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.backends.sqlite3 import base

from rapport.lib.env import ConfigError
from rapport.lib.private_files import private_dir, private_file

__all__ = ["DatabaseWrapper", "make_private"]


def make_private(database: Path) -> None:
    """Create the SQLite file ``database`` with mode 0600 if it does not exist. In the data
    folder (RAPPORT_DATA_DIR, the default place) the folder is created too, mode 0700;
    elsewhere (RAPPORT_DATABASE_URL) a missing folder is left for SQLite to report."""
    data_dir = Path(settings.DATA_DIR)
    in_data_dir = database.parent == data_dir
    variable = "RAPPORT_DATA_DIR" if in_data_dir else "RAPPORT_DATABASE_URL"
    try:
        if in_data_dir:
            private_dir(data_dir)
        if database.parent.is_dir():
            private_file(database)
    except OSError as error:
        place = data_dir if in_data_dir and not data_dir.is_dir() else database
        raise ConfigError(f"{variable}: cannot create {place}: {error.strerror}") from None


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        name = conn_params["database"]
        # In-memory databases (the test suite's) and URIs are SQLite's own business.
        if isinstance(name, Path) or not (
            self.creation.is_in_memory_db(name) or str(name).startswith("file:")
        ):
            make_private(Path(name))
        return super().get_new_connection(conn_params)
