"""Make the database file forget deleted rows, as far as the engine allows.

Deleting a row does not erase its bytes. On SQLite, ``PRAGMA secure_delete=ON`` (set on
every connection, see settings) overwrites what a transaction frees with zeros, but in
WAL mode the old pages also sit in the ``-wal`` file until a checkpoint copies the new
ones back and the log is truncated: ``forget_deleted_rows`` does that. A reader holding an
old snapshot can keep the log from being truncated; the next call (or the last
connection closing) finishes the job. On PostgreSQL the dead row versions stay in their
pages until VACUUM reuses the space; the text there was encrypted (``core.fields``), and
operators purge backups by their own schedule (docs/transcripts-app.md).
"""

from __future__ import annotations

import logging

from django.db import connection, transaction

__all__ = ["forget_deleted_rows", "forget_deleted_rows_after_commit"]

logger = logging.getLogger(__name__)


def forget_deleted_rows() -> bool:
    """Checkpoint and truncate SQLite's write-ahead log; True if it was fully truncated."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _log_frames, _checkpointed = cursor.fetchone()
    if busy:
        logger.info("wal checkpoint deferred: another connection is reading")
    return not busy


def forget_deleted_rows_after_commit() -> None:
    """``forget_deleted_rows`` once the current transaction has committed."""
    transaction.on_commit(forget_deleted_rows)
