"""What an operator's commands do to the installation as a whole (``rapport backup``,
``rapport reset-mfa``, the start-up checks of every command that opens the database).

See docs/operations.md for the procedures these serve.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from rapport.lib.private_files import PRIVATE_FILE_MODE

__all__ = [
    "backup_destination",
    "base_url_host_warning",
    "database_description",
    "dated_backup_file",
    "encryption_key_mismatch",
    "live_only_tables",
    "pg_dump_command",
    "secret_key_fingerprint",
    "secret_key_mismatch",
    "secret_key_record",
    "sqlite_backup",
    "sqlite_path",
]


def sqlite_path() -> Path | None:
    """The SQLite database file this configuration opens, or None (PostgreSQL, in memory)."""
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if not database["ENGINE"].endswith("sqlite3") or not name or "memory" in name:
        return None
    return Path(name)


def database_description() -> str:
    """Which database a message is about, without its password: an operator whose command
    ran in another folder (RAPPORT_DATA_DIR defaults to ./data) sees at once it opened the
    wrong one."""
    path = sqlite_path()
    if path is not None:
        return f"the SQLite database {path}"
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return "the SQLite database in memory"
    host = database.get("HOST") or "the local socket"
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"the PostgreSQL database {database.get('NAME')!r} on {host}{port}"


# --- encryption keys ------------------------------------------------------------------


def _encrypted_columns():
    """(table, primary key column, column) of each encrypted column, those that always hold
    a value (a client's name, a goal) first: one of them answers in two indexed queries."""
    from django.apps import apps

    from rapport.core.fields import EncryptedTextField

    found = [
        (field.blank, model._meta.db_table, model._meta.pk.column, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]
    for _blank, table, pk, column in sorted(found, key=lambda entry: entry[0]):
        yield table, pk, column


def encryption_key_mismatch() -> str | None:
    """Where the configured keys fail to open stored data, or None when they open it (or
    nothing is stored yet).

    Test-decrypts the oldest and the newest stored value of the first encrypted column that
    holds any: a key generated anew at each start, or an old key removed before
    ``rapport rotate-key`` re-encrypted the oldest rows, is found here, before the web pages
    answer 500 on every client. Then one second-factor secret. Values are read raw and never
    leave this function. Tables that do not exist yet (before ``rapport migrate``) are
    skipped."""
    from rapport.core.fields import keyring
    from rapport.lib.crypto import PREFIX, CryptoError

    ring = keyring()
    quote = connection.ops.quote_name
    tables = set(connection.introspection.table_names())
    for table, pk, column in _encrypted_columns():
        if table not in tables or column not in _columns(table):
            continue  # not made yet: a database of an older release, before `migrate`
        values = []
        for order in ("ASC", "DESC"):
            sql = (
                f"SELECT {quote(column)} FROM {quote(table)} "  # noqa: S608 - names quoted
                f"WHERE {quote(column)} LIKE %s ORDER BY {quote(pk)} {order} LIMIT 1"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [PREFIX + "%"])
                values += [value for (value,) in cursor.fetchall()]
        for value in values:
            try:
                ring.decrypt(value)
            except CryptoError:
                return f"a value in table {table} (column {column})"
        if values:
            break
    if "mfa_authenticator" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT data FROM mfa_authenticator ORDER BY id DESC LIMIT 1")
            row = cursor.fetchone()
        if row is not None and _mfa_secret_unreadable(row[0], ring):
            return "a second-factor secret (table mfa_authenticator)"
    return None


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {
            column.name for column in connection.introspection.get_table_description(cursor, table)
        }


def _mfa_secret_unreadable(data, ring) -> bool:
    import json

    from rapport.lib.crypto import CryptoError, KeyRing

    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return False
    if not isinstance(data, dict):
        return False
    for field in ("secret", "seed"):
        value = data.get(field)
        if isinstance(value, str) and KeyRing.is_encrypted(value):
            try:
                ring.decrypt(value)
            except CryptoError:
                return True
    return False


# --- the secret key -------------------------------------------------------------------

#: The name of the secret key's row in ``core.KeyFingerprint``.
SECRET_KEY_NAME = "secret-key"  # noqa: S105 - a row name, not a secret
#: The fixed label the fingerprint is an HMAC of. Changing it makes every stored fingerprint
#: a mismatch: never change it.
_SECRET_KEY_LABEL = b"rapport: the RAPPORT_SECRET_KEY this database was set up with"


def secret_key_fingerprint(key: str | None = None) -> str:
    """An HMAC-SHA256 of a fixed label under ``key`` (default: the configured SECRET_KEY),
    in hex: equal for the same key, and telling nothing about the key to whoever reads the
    database or a backup of it (the key is never stored)."""
    import hashlib
    import hmac

    secret = settings.SECRET_KEY if key is None else key
    return hmac.new(secret.encode(), _SECRET_KEY_LABEL, hashlib.sha256).hexdigest()


def _fingerprint_table_exists() -> bool:
    from rapport.core.models import KeyFingerprint

    return KeyFingerprint._meta.db_table in connection.introspection.table_names()


def secret_key_mismatch() -> bool:
    """Whether this database was set up with another RAPPORT_SECRET_KEY than the one
    configured (its stored fingerprint is not this key's).

    Everything signed with the key fails quietly under another one: the check-in links
    clients hold ("This link cannot be used"), sign-in sessions, API cursors. A backup
    restored onto a new machine with a new key is the usual cause; found here, before
    anything is served. False when nothing is stored yet (a database from before this
    check, or before ``rapport migrate``): :func:`secret_key_record` stores it."""
    import hmac

    from rapport.core.models import KeyFingerprint

    if not _fingerprint_table_exists():
        return False
    stored = (
        KeyFingerprint.objects.filter(name=SECRET_KEY_NAME)
        .values_list("fingerprint", flat=True)
        .first()
    )
    return stored is not None and not hmac.compare_digest(stored, secret_key_fingerprint())


def secret_key_record(*, replace: bool = False) -> bool:
    """Store the configured secret key's fingerprint if the database has none yet (at
    ``rapport migrate`` and at each start of ``rapport serve`` or ``rapport demo``: an
    existing database gets one at its first start after the upgrade). ``replace``: store
    it over another key's (``rapport migrate --new-secret-key``, after the key was changed
    on purpose). Returns whether anything was written."""
    from rapport.core.models import KeyFingerprint

    fingerprint = secret_key_fingerprint()
    if replace:
        KeyFingerprint.objects.update_or_create(
            name=SECRET_KEY_NAME, defaults={"fingerprint": fingerprint}
        )
        return True
    # get_or_create: two processes starting at once store one row, and neither
    # overwrites a fingerprint another key stored.
    _row, created = KeyFingerprint.objects.get_or_create(
        name=SECRET_KEY_NAME, defaults={"fingerprint": fingerprint}
    )
    return created


# --- backup ---------------------------------------------------------------------------


def dated_backup_file(dest: Path, suffix: str) -> Path:
    """``dest``, or when it is a folder a file in it named for the time, e.g.
    ``rapport-20261207-021000.sqlite3`` (so a cron line needs no date arithmetic)."""
    if not dest.is_dir():
        return dest
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - the operator's clock
    return dest / f"rapport-{stamp}{suffix}"


def backup_destination(dest: Path) -> Path:
    """The file a SQLite backup goes to: ``dest``, or a dated file in it when it is a
    folder (:func:`dated_backup_file`). Never an existing file."""
    dest = dated_backup_file(dest, ".sqlite3")
    if dest.exists() or dest.is_symlink():
        raise FileExistsError(dest)
    return dest


def sqlite_backup(
    source: sqlite3.Connection,
    dest: Path,
    *,
    progress: Callable[[int, int, int], object] | None = None,
) -> None:
    """A consistent copy of the open SQLite database ``source`` in the new file ``dest``
    (mode 0600, refused if it exists).

    SQLite's online backup API, not a file copy: in WAL mode recent commits live in the
    ``-wal`` file until a checkpoint, and copying the main file while the server writes can
    give a torn, corrupt copy. The whole copy is one step, under one read transaction, so it
    is the database as of one moment while the server goes on writing (WAL readers do not
    block writers). The copy is then switched to a plain rollback journal: one
    self-contained file, nothing beside it to lose."""
    descriptor = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    os.close(descriptor)
    try:
        target = sqlite3.connect(dest)
        try:
            source.backup(target, pages=-1, progress=progress)
            target.execute("PRAGMA journal_mode=DELETE")
            (result,) = target.execute("PRAGMA quick_check").fetchone()
            if result != "ok":
                raise sqlite3.DatabaseError(f"the copy fails SQLite's check: {result}")
        finally:
            target.close()
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    os.chmod(dest, PRIVATE_FILE_MODE)  # noqa: PTH101 - the mode even if umask played a part


def live_only_tables() -> list[str]:
    """The tables a backup keeps empty: the sessions (a session row is a signed-in
    account, so whoever held the backup could sign in as anyone signed in when it was
    taken) and the database cache (sign-in throttle counts and the API's list of live token
    prefixes, rebuilt when missing: nothing a restore needs)."""
    from django.contrib.sessions.models import Session

    tables = [Session._meta.db_table]
    cache = settings.CACHES.get("default", {})
    if str(cache.get("BACKEND", "")).endswith("DatabaseCache"):
        tables.append(str(cache["LOCATION"]))
    return tables


def pg_dump_command(dest: str, database: Mapping[str, Any] | None = None) -> str:
    """The pg_dump command line that backs up this PostgreSQL database (``database``: its
    Django settings) to ``dest``, without the password (pg_dump takes it from ~/.pgpass or
    PGPASSWORD). It runs under umask 077, in a subshell that leaves the operator's own
    umask alone: the dump holds every client record and live session, and pg_dump would
    create it with the usual umask (readable by every account), where the SQLite backup
    is written 0600. The live-only tables are dumped without their rows, as the SQLite
    backup empties them."""
    import shlex

    database = dict(settings.DATABASES["default"] if database is None else database)
    parts = ["pg_dump", "--format=custom", "--no-owner"]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            parts += [option, str(database[key])]
    parts += [f"--exclude-table-data={table}" for table in live_only_tables()]
    parts += ["--file", dest, str(database.get("NAME") or "")]
    return f"(umask 077 && {shlex.join(parts)})"


# --- start-up -------------------------------------------------------------------------


def base_url_host_warning() -> str | None:
    """RAPPORT_BASE_URL's host is not one the server answers to: every check-in link and
    password-reset link would be refused (400) when opened."""
    from urllib.parse import urlsplit

    from django.http.request import validate_host

    host = urlsplit(settings.BASE_URL).hostname or ""
    if ":" in host:  # IPv6, as ALLOWED_HOSTS writes it
        host = f"[{host}]"
    if validate_host(host, settings.ALLOWED_HOSTS):
        return None
    return (
        f"RAPPORT_BASE_URL's host {host} is not in RAPPORT_ALLOWED_HOSTS "
        f"({', '.join(settings.ALLOWED_HOSTS)}): check-in and password-reset links, which "
        "are built on RAPPORT_BASE_URL, would be refused with 400 Bad Request"
    )
