"""The ``rapport`` command: the entry point for people (DESIGN §2).

Commands that need the database start Django; researcher commands (signals from a CSV,
transcript coding) do not. Configuration errors print one clear line and exit with 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path

__all__ = ["main"]

DEMO_PASSWORD = "rapport-demo"  # noqa: S105 - documented demo credential, demo mode only
DEFAULT_CLINIC_NAME = "My clinic"
DEMO_LOGINS = (
    ("alex@demo.test", "therapist"),
    ("sam@demo.test", "therapist (trainee)"),
    ("morgan@demo.test", "supervisor of Alex and Sam"),
    ("admin@demo.test", "clinic admin"),
)


class CommandError(Exception):
    """A command cannot run; the message is shown to the user as is."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def _check_database(
    *,
    migrated: bool = True,
    keys: bool = True,
    secret_key: bool = True,
    demo_dir: Path | None = None,
) -> None:
    """The database answers and, unless ``migrated`` is False (migrate, demo), has every
    table this version needs, (unless ``keys`` is False: rotate-key, which says more
    about its own keys) the encryption keys open what it stores, and (unless ``secret_key``
    is False: migrate --new-secret-key) RAPPORT_SECRET_KEY is the key it was set up with:
    otherwise one line saying what to do (naming the database it opened), not a traceback.
    ``demo_dir``: the demo's --data-dir, named instead of the settings the demo does not
    read from the user."""
    from django.db import connection
    from django.db.utils import Error as DatabaseError

    from rapport.core.operations import (
        database_description,
        encryption_key_mismatch,
        secret_key_mismatch,
        sqlite_path,
    )

    path = sqlite_path()
    if migrated and path is not None and _no_database(path):
        # Opening it would create an empty database (and its folder): a cron line run from
        # another folder (RAPPORT_DATA_DIR defaults to ./data) would then find "no tables"
        # in a database of its own instead of the clinic's. Nothing is created.
        raise CommandError(
            f"there is no Rapport database at {path}: set RAPPORT_DATA_DIR (default ./data, "
            "in the folder the command runs in) or RAPPORT_DATABASE_URL to where it is, or "
            "run 'rapport migrate' first to create one there"
        )
    try:
        connection.ensure_connection()
        pending = migrated and _pending_migrations(connection)
        unreadable = keys and encryption_key_mismatch()
        other_secret_key = secret_key and secret_key_mismatch()
    except DatabaseError as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        if demo_dir is not None:
            raise CommandError(
                f"cannot open the demo's database {path} in --data-dir {demo_dir}: "
                f"{first_line} (give another --data-dir, or move that file away)"
            ) from None
        raise CommandError(
            f"cannot connect to the database (RAPPORT_DATABASE_URL): {first_line}"
        ) from None
    if pending:
        raise CommandError(
            f"{database_description()} is not set up for this version of Rapport: "
            "run 'rapport migrate' first"
        )
    if unreadable and demo_dir is not None:
        raise CommandError(
            f"the demo's key ({demo_dir / 'encryption-key'}) does not open the data in its "
            f"database {path} in --data-dir {demo_dir}: {unreadable} cannot be decrypted, "
            "so that folder's data was written with another key (give another --data-dir, "
            "or move that folder away); nothing was changed"
        )
    if unreadable:
        raise CommandError(
            f"the encryption key does not open this database's data: {unreadable} cannot be "
            "decrypted with any key in RAPPORT_ENCRYPTION_KEYS / RAPPORT_ENCRYPTION_KEY_FILE. "
            f"Configure the key(s) {database_description()} was written with (see "
            "docs/operations.md, 'Keys'); nothing was changed"
        )
    if other_secret_key and demo_dir is not None:
        raise CommandError(
            f"the demo's secret key ({demo_dir / 'secret-key'}) is not the key its database "
            f"{path} in --data-dir {demo_dir} was set up with (give another --data-dir, or "
            "move that folder away); nothing was changed"
        )
    if other_secret_key:
        # Everything signed with the key would fail quietly: the check-in links clients
        # hold, sign-in sessions, API cursors (a backup restored with a new key, say).
        raise CommandError(
            "RAPPORT_SECRET_KEY is not the key this database was set up with: the check-in "
            "links clients hold, sign-in sessions and API cursors it signed would all fail; "
            f"restore the matching key from your backup of {database_description()} (if it "
            "is lost, or was changed on purpose, run 'rapport migrate --new-secret-key', see "
            "docs/operations.md, 'Restore'); nothing was changed"
        )


def _no_database(path: Path) -> bool:
    """No file at ``path``, or an empty one (an empty SQLite database, as older versions
    left behind when a command ran in the wrong folder)."""
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True
    except OSError:
        return False  # left for the connection to report


def _pending_migrations(connection) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _call(name: str, *args, **options) -> None:
    from django.core.management import call_command

    call_command(name, *args, **options)


# --- commands -------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database(migrated=False, secret_key=not args.new_secret_key)
    _call("migrate", interactive=False, verbosity=args.verbosity)
    _call("createcachetable", verbosity=args.verbosity)  # the login throttle's counts
    _record_secret_key(replace=args.new_secret_key)
    if args.new_secret_key:
        print(
            "Recorded RAPPORT_SECRET_KEY as this database's key: links, sessions and API "
            "cursors signed with the old key no longer work."
        )


def _record_secret_key(*, replace: bool = False) -> None:
    """Store the secret key's fingerprint where none is yet (``replace``: over another's,
    audited: an operator chose to give up what the old key signed)."""
    from rapport.core.operations import secret_key_record

    if secret_key_record(replace=replace) and replace:
        from rapport.audit.models import Action
        from rapport.audit.services import audit_record

        audit_record(actor="cli", action=Action.UPDATE, target="secret-key-fingerprint")


def _listen_problem(host: str, port: int) -> str | None:
    """Why a server could not listen on ``host``:``port`` (a port in use, a host that is not
    this machine's), or None if it can: tried by binding a socket and closing it at once,
    with SO_REUSEADDR as servers set it (a port left in TIME_WAIT is not "in use")."""
    import errno
    import socket

    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (OSError, UnicodeError) as error:
        return f"cannot resolve the host {host!r} ({getattr(error, 'strerror', None) or error})"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return "in use"
            return error.strerror or str(error)
    return None


def _check_demo_place(given: str, port: int) -> Path:
    """Before anything is announced: a folder for the data that this account can write
    in (created, private, if it is missing), and a free port. Problems name --data-dir,
    what the user typed, not the RAPPORT_DATA_DIR the demo sets from it. Returns the
    folder."""
    import tempfile

    from rapport.lib.private_files import private_dir

    if not given.strip():
        # Path("") is the current folder: the demo's keys and database would land there.
        raise CommandError("--data-dir is empty: name a folder for the demo's data")
    data_dir = Path(given).resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise CommandError(f"--data-dir {data_dir} is a file, not a folder")
    in_the_way = next((p for p in data_dir.parents if p.exists() and not p.is_dir()), None)
    if in_the_way is not None:
        raise CommandError(f"--data-dir {data_dir}: {in_the_way} is a file, not a folder")
    if _listen_problem("127.0.0.1", port):
        raise CommandError(f"port {port} is in use: choose another with --port")
    try:
        private_dir(data_dir)
        with tempfile.TemporaryFile(dir=data_dir):
            pass  # the demo writes its keys and database here
    except OSError as error:
        raise CommandError(
            f"--data-dir {data_dir}: cannot create or write in this folder "
            f"({error.strerror or error}): choose a folder this account can write in"
        ) from None
    return data_dir


#: The RAPPORT_* variables ``rapport demo`` reads from the environment it is started in: an
#: allowlist, since the demo's accounts have published passwords and it may be started where
#: a clinic's settings are set. Each one here changes nothing but how the demo itself
#: behaves on this machine. Every other RAPPORT_* variable is removed before the settings
#: are read (named, never shown, in one note): the database, the data folder, the secret
#: and encryption keys (the demo's are generated in --data-dir), the base URL (the demo's
#: links point at 127.0.0.1:PORT), email (the demo prints mail to the console, never sends
#: it through a clinic's mail server), allowed hosts, CSRF origins, HTTPS and proxy
#: settings (the demo answers plain HTTP on loopback), and any variable added later that is
#: not listed here.
DEMO_HONOURED_VARIABLES = frozenset(
    {
        "RAPPORT_DEBUG",  # Django's debug pages, on the loopback-only demo
        "RAPPORT_LOG_LEVEL",  # how much the demo writes to its own terminal
        "RAPPORT_TIME_ZONE",  # the time zone the demo's dates are shown in
        "RAPPORT_CHECKIN_LINK_HOURS",  # how long the demo's own check-in links last
        "RAPPORT_SESSION_TIMEOUT_MINUTES",  # sign-out after inactivity, in the demo
        "RAPPORT_LOGIN_FAILED_LIMIT",  # the login throttle, counted in the demo's database
        "RAPPORT_LOGIN_FAILED_ACCOUNT_LIMIT",
        "RAPPORT_STATIC_FROM_PACKAGE",  # the demo serves static files from the package anyway
        "RAPPORT_CODER_THREADS",  # CPU threads for coding the demo's transcripts
        "RAPPORT_BIND",  # read by 'rapport serve' only: the demo listens on 127.0.0.1:--port
        "RAPPORT_WORKERS",  # read by 'rapport serve' only
    }
)


def _demo_environment(data_dir: Path, port: int) -> list[str]:
    """Remove from the environment every RAPPORT_* variable the demo does not honour
    (DEMO_HONOURED_VARIABLES), set the demo's own, and return the names of those removed
    that had a value (never the values: keys, passwords)."""
    ignored = []
    for name in sorted(os.environ):
        if name.startswith("RAPPORT_") and name not in DEMO_HONOURED_VARIABLES:
            value = os.environ.pop(name)
            if value.strip() and name != "RAPPORT_DEMO":
                ignored.append(name)
    os.environ["RAPPORT_DEMO"] = "1"
    os.environ["RAPPORT_DATA_DIR"] = str(data_dir)
    os.environ["RAPPORT_BASE_URL"] = f"http://127.0.0.1:{port}"
    return ignored


def cmd_demo(args: argparse.Namespace) -> None:
    data_dir = _check_demo_place(args.data_dir, args.port)
    ignored = _demo_environment(data_dir, args.port)
    if ignored:
        print(
            f"note: the demo ignores {', '.join(ignored)} (a clinic's settings): it keeps its "
            f"own database and keys in --data-dir {data_dir}, links to "
            f"http://127.0.0.1:{args.port} and prints email here instead of sending it",
            file=sys.stderr,
        )
    try:
        _setup_django()
    except OSError as error:  # the demo's key files in the folder: unreadable, a folder...
        raise CommandError(
            f"--data-dir {data_dir}: cannot use {error.filename or 'the folder'}: "
            f"{error.strerror or error}"
        ) from None
    _check_database(migrated=False, demo_dir=data_dir)
    _call("migrate", interactive=False, verbosity=0)
    _call("createcachetable", verbosity=0)
    _record_secret_key()
    _call("seed_demo")
    _run_start_tasks()
    url = f"http://127.0.0.1:{args.port}/"
    print(f"\nRapport demo clinic: {url}")
    print(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
    for email, role in DEMO_LOGINS:
        print(f"  {email:<20} {role}")
    print("Synthetic people only. Press Ctrl+C to stop.\n", flush=True)
    if not args.no_browser:
        threading.Timer(1.5, webbrowser.open, args=(url,)).start()
    # Bound to loopback only: the demo has known passwords.
    _call("runserver", f"127.0.0.1:{args.port}", use_reloader=False, use_threading=True)


def gunicorn_argv(bind: str, workers: int, app: str = "rapport.wsgi:application") -> list[str]:
    """The gunicorn command line ``rapport serve`` runs (``app``: the WSGI application)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [
        str(gunicorn) if gunicorn.exists() else "gunicorn",
        app,
        "--bind",
        bind,
        "--workers",
        str(workers),
        # A worker busy on one request for longer is killed and replaced (its client gets a
        # 502 from the proxy, the other workers go on serving). The longest legitimate
        # request is confirming the roles of a transcript of MAX_TURNS turns, coded in that
        # request (about 20 s on 2 cores, docs/coder.md); 60 s leaves room on a loaded
        # server, where gunicorn's default of 30 could cut it off, and still frees a worker
        # held by anything slower within a minute instead of never.
        "--timeout",
        "60",
        "--access-logfile",
        "-",
        # Check-in tokens and password-reset keys never reach the access log.
        "--logger-class",
        "rapport.lib.access_log.RedactingLogger",
        # gunicorn 27 otherwise opens a control socket at ~/.gunicorn/gunicorn.ctl, one path
        # for every server the account runs (a second `rapport serve` would take it over);
        # Rapport is run and stopped through its service manager, not gunicornc.
        "--no-control-socket",
    ]


def cmd_serve(args: argparse.Namespace) -> None:
    _setup_django()
    from django.conf import settings

    if settings.DEBUG and not args.allow_debug:
        # Debug pages show settings and code to anyone who makes an error happen, and debug
        # mode turns off Secure cookies and HTTPS: never by accident on a clinic's server.
        raise CommandError(
            "RAPPORT_DEBUG is on: debug pages would show code and settings to anyone and "
            "cookies would not be Secure; unset it, or pass --allow-debug to serve anyway"
        )
    if not settings.HTTPS and not args.allow_insecure_http and not _only_this_machine(args.bind):
        # Behind a TLS proxy too, HTTPS off means cookies without Secure, no HSTS and
        # http:// check-in links: the proxy says the request came over TLS with
        # X-Forwarded-Proto, which only RAPPORT_HTTPS=1 reads (docs/operations.md).
        raise CommandError(
            "RAPPORT_HTTPS is off: sign-in cookies would not be Secure, there would be no HSTS "
            "and check-in links would start with http://; behind a TLS proxy set "
            "RAPPORT_HTTPS=1 (it reads X-Forwarded-Proto), or pass --allow-insecure-http to "
            "serve plain HTTP anyway"
        )
    _check_bind(args.bind)
    _check_database()
    _record_secret_key()  # a database set up before the check has none yet
    if not settings.WHITENOISE_USE_FINDERS:
        try:
            _call("collectstatic", interactive=False, verbosity=0)
        except OSError as error:
            raise CommandError(
                f"cannot collect the static files into {settings.STATIC_ROOT}: "
                f"{error.strerror or error} (set RAPPORT_DATA_DIR to a folder this account can "
                "write, or RAPPORT_STATIC_FROM_PACKAGE=1)"
            ) from None
    _warn_private_paths()
    _warn_base_url_host()
    _run_start_tasks()
    argv = gunicorn_argv(args.bind, args.workers)
    os.execvp(argv[0], argv)  # noqa: S606 - replaces this process with gunicorn


def _only_this_machine(bind: str) -> bool:
    """Whether a server listening on ``bind`` and linking to RAPPORT_BASE_URL is reached from
    this machine alone (both on loopback: one practitioner's own computer), where plain
    HTTP crosses no network."""
    import ipaddress
    from urllib.parse import urlsplit

    from django.conf import settings

    def loopback(host: str | None) -> bool:
        host = (host or "").strip("[]").lower()
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    if bind.startswith("unix:"):
        return False  # a socket is for a proxy, which answers the network
    return loopback(bind.rpartition(":")[0]) and loopback(urlsplit(settings.BASE_URL).hostname)


def _check_bind(bind: str) -> None:
    """A TCP address to listen on is free: gunicorn would otherwise retry for 5 s, logging
    an error each time, before giving up."""
    if bind.startswith("unix:"):
        return
    host, _colon, port = bind.rpartition(":")
    problem = _listen_problem(host.strip("[]"), int(port))
    if problem is not None:
        raise CommandError(
            f"cannot listen on {bind}: {problem}; choose another address with --bind or "
            "RAPPORT_BIND, or stop what is using it"
        )


def _warn_base_url_host() -> None:
    from rapport.core.operations import base_url_host_warning

    warning = base_url_host_warning()
    if warning:
        print(f"warning: {warning}", file=sys.stderr)


def _warn_private_paths() -> None:
    """gunicorn runs no system checks: say here what rapport.core.checks would."""
    from rapport.core.checks import private_paths_warnings

    for warning in private_paths_warnings():
        print(f"warning: {warning.msg}\n  {warning.hint}", file=sys.stderr)


def cmd_createuser(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from rapport.accounts.services import user_create
    from rapport.clinic.models import Clinic

    password = _new_password("Password: ")
    try:
        # One transaction: a refused account leaves no new clinic behind either.
        with transaction.atomic():
            clinic = Clinic.objects.order_by("pk").first()
            if clinic is None:
                clinic = Clinic.objects.create(name=args.clinic or DEFAULT_CLINIC_NAME)
            elif args.clinic is not None and args.clinic != clinic.name:
                # One clinic per installation from the command line: the account would be
                # made in the existing clinic, not the one named.
                raise CommandError(
                    f"the clinic {clinic.name!r} already exists and accounts are created in "
                    f"it: leave out --clinic (it only names the first clinic), or give "
                    f"--clinic {clinic.name!r}"
                )
            # "cli", not None ("system"), as rapport set-password and the token commands:
            # the audit log tells an operator's hand from the app's.
            user = user_create(
                actor="cli",
                clinic=clinic,
                email=args.email,
                role=args.role,
                password=password,
                full_name=args.name,
                # As rapport set-password: whoever typed it knows it, so its owner chooses
                # their own at their first sign-in, unless --own says it is theirs.
                temporary=not args.own,
            )
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    then = (
        "" if args.own else "; they will be asked to choose a new password at their first sign-in"
    )
    print(f"Created {user.role} {user.email} in {clinic.name}{then}.")


def _new_password(prompt: str) -> str:
    """RAPPORT_NEW_USER_PASSWORD, else asked at the terminal (never an argument: command
    lines are visible to other users and kept in shell history)."""
    import getpass
    import warnings

    given = os.environ.get("RAPPORT_NEW_USER_PASSWORD")
    if given:
        return given
    try:
        # Without a terminal getpass would warn over several lines and read the password
        # from standard input, echoed: refused in one line instead.
        with warnings.catch_warnings():
            warnings.simplefilter("error", getpass.GetPassWarning)
            return getpass.getpass(prompt)
    except (EOFError, getpass.GetPassWarning):  # no terminal (cron, a pipe) or Ctrl-D
        raise CommandError(
            "no password given: set RAPPORT_NEW_USER_PASSWORD or run it in a terminal"
        ) from None


def _staff_account(email: str):
    """The staff account with this email (any case), or one line saying there is none."""
    from rapport.accounts.models import User

    if not email.strip():
        raise CommandError("--email is empty: give the staff member's email")
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"no staff account with the email {email.strip()}")
    return user


def cmd_set_password(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from django.core.exceptions import ValidationError

    from rapport.accounts.services import sign_in_pause_clear, user_set_password

    user = _staff_account(args.email)
    password = _new_password("New password: ")
    try:
        # "cli", not None ("system"): the audit log tells an operator's hand from the app's.
        user_set_password(actor="cli", user=user, password=password, temporary=not args.own)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from None
    # As an admin's temporary password on the web: a colleague paused after too many wrong
    # passwords can sign in with the new one at once.
    lifted = sign_in_pause_clear(user=user)
    then = "" if args.own else " they must choose their own at their next sign-in;"
    # From the command line there is no session of the operator's own: every one of the
    # user's ends (the password no longer matches it), and their API tokens are revoked.
    print(
        f"Set a new password for {user.email};{then} their signed-in sessions and API "
        "tokens have ended."
    )
    if lifted:
        # Else the operator cannot tell the colleague they may sign in at once.
        print(
            "Their sign-in was paused after too many wrong passwords: the pause is lifted, "
            "so they can sign in now."
        )


def cmd_keygen(args: argparse.Namespace) -> None:
    from rapport.lib.crypto import generate_key

    print(generate_key())


def cmd_rotate_key(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database(keys=False)
    from cryptography.fernet import InvalidToken
    from django.db import transaction

    from rapport.accounts.mfa_adapter import encrypt_stored_mfa_secrets
    from rapport.audit.models import Action
    from rapport.audit.services import audit_record
    from rapport.core.rotation import RotationError, rotate_all
    from rapport.lib.crypto import CryptoError

    with transaction.atomic():
        counts = rotate_all()
        # Second-factor secrets too: left under a retired key, nobody could sign in.
        try:
            counts["MFA secrets (authenticators)"] = encrypt_stored_mfa_secrets()
        except (InvalidToken, CryptoError):
            raise RotationError(
                "a second-factor secret (table mfa_authenticator) cannot be decrypted with any "
                "configured key: keep the old key in the list until rotate-key has finished. "
                "Nothing was re-encrypted."
            ) from None
    # Every encrypted client value was rewritten: the audit log says when and by whom.
    audit_record(actor="cli", action=Action.UPDATE, target="encryption-key-rotation")
    for label, count in counts.items():
        print(f"{label}: {count} values re-encrypted")


def cmd_backup(args: argparse.Namespace) -> None:
    if not args.dest.strip():
        # Path("") is the current folder: the backup would land wherever the command ran.
        raise CommandError("DEST is empty: give a new file or a folder for the backup")
    _setup_django()
    _check_database()
    import sqlite3

    from django.db import connection

    from rapport.audit.models import Action
    from rapport.audit.services import audit_record
    from rapport.core.operations import (
        backup_destination,
        dated_backup_file,
        pg_dump_command,
        sqlite_backup,
        sqlite_path,
    )

    if connection.vendor == "postgresql":
        # pg_dump is PostgreSQL's own consistent copy; Rapport does not run it for you
        # (its version must match the server's, and the password stays out of Rapport).
        # The audit log still says an operator asked for a backup of the whole database,
        # and that what they got was the command (whether it ran, Rapport cannot see).
        dump = dated_backup_file(Path(args.dest), ".dump")
        if dump.exists() or dump.is_symlink():
            # pg_dump --file would overwrite it; the SQLite backup refuses the same. A
            # symlink counts even when it leads nowhere: pg_dump would create the file it
            # names, wherever that is.
            raise CommandError(f"{dump} already exists: a backup never overwrites")
        command = pg_dump_command(str(dump))
        audit_record(actor="cli", action=Action.EXPORT, target="backup:postgresql:pg_dump-command")
        print("On PostgreSQL, back up with pg_dump (password from ~/.pgpass or PGPASSWORD):")
        print(f"  {command}")
        print("Nothing has been copied yet: run that command to make the backup.")
        print(KEYS_REMINDER)
        return
    if sqlite_path() is None:
        raise CommandError("the database is in memory: there is nothing to back up")
    try:
        dest = backup_destination(Path(args.dest))
    except FileExistsError as error:
        raise CommandError(f"{error.args[0]} already exists: a backup never overwrites") from None
    connection.ensure_connection()
    try:
        sqlite_backup(connection.connection, dest)
    except (OSError, sqlite3.Error) as error:
        detail = getattr(error, "strerror", None) or str(error)
        raise CommandError(f"cannot write the backup {dest}: {detail}") from None
    try:
        _empty_live_tables(dest)
    except (OSError, sqlite3.Error) as error:
        dest.unlink(missing_ok=True)  # a copy with live sessions in it is not kept
        detail = getattr(error, "strerror", None) or str(error)
        raise CommandError(f"cannot write the backup {dest}: {detail}") from None
    audit_record(actor="cli", action=Action.EXPORT, target="backup:sqlite")
    if not args.quiet:
        print(f"Backed up the database to {dest} (readable by this account only).")
        print(KEYS_REMINDER)


def _empty_live_tables(dest: Path) -> None:
    """Empty the sessions and cache tables of the backup copy ``dest`` (never the live ones).

    A session row is a signed-in account: whoever holds the backup could sign in as anyone
    who was signed in when it was taken, for as long as that session lasts. The cache holds
    nothing that must survive a restore (sign-in throttle counts, the API's list of live
    token prefixes, rebuilt when missing). Deleted rows are
    overwritten (secure_delete) and the file rebuilt without them (VACUUM), so their bytes
    are not left in free pages of the copy."""
    import sqlite3

    from rapport.core.operations import live_only_tables

    tables = live_only_tables()
    copy = sqlite3.connect(dest)
    try:
        copy.execute("PRAGMA secure_delete=ON")
        present = {name for (name,) in copy.execute("SELECT name FROM sqlite_master")}
        with copy:
            for table in tables:
                if table in present:  # before migrate has made it, say
                    copy.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from settings
        copy.execute("VACUUM")
    finally:
        copy.close()


KEYS_REMINDER = (
    "The backup holds no keys: keep the encryption key file (RAPPORT_ENCRYPTION_KEY_FILE, with "
    "any retired keys) and RAPPORT_SECRET_KEY safe too, apart from the backup."
)


def cmd_reset_mfa(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from rapport.accounts.services import mfa_reset

    user = _staff_account(args.email)
    removed = mfa_reset(actor="cli", user=user)
    if not removed:
        print(f"{user.email} had no second factor; their sessions and API tokens have ended.")
        return
    print(
        f"Removed the second factors of {user.email} ({removed}); their sessions and API "
        "tokens have ended. They set up a new authenticator at their next sign-in (if the "
        "clinic requires MFA) or on their account page."
        + ("" if user.is_clinic_admin else " They are told on their caseload who did it, and when.")
    )


def cmd_clear_sessions(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    deleted = clear_expired_sessions()
    # The daily cron job runs this command, and a long-running `rapport serve` starts only
    # now and then: the refused forms' keys kept for the check-in pages go here too.
    from rapport.checkins.services import refused_forms_purge

    refused_forms_purge()
    if not args.quiet:
        print(f"Deleted {deleted} expired sign-in session{'' if deleted == 1 else 's'}.")


def clear_expired_sessions() -> int:
    """Delete expired sign-in sessions: Django never does it by itself, and each holds who
    was signed in from where (run at every start, and daily from cron). Returns how many
    had expired (counted just before)."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    expired = Session.objects.filter(expire_date__lt=timezone.now()).count()
    _call("clearsessions")
    return expired


# --- parser -----------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace], None]
_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []
_START_TASKS: list[Callable[[], object]] = []


def register(add: Callable[[argparse._SubParsersAction], None]) -> Callable:
    """Packages add their commands here (see ``rapport.commands``)."""
    _EXTRA_COMMANDS.append(add)
    return add


def on_start(task: Callable[[], object]) -> Callable[[], object]:
    """Packages add here what ``rapport serve`` and ``rapport demo`` do once, with the
    database ready, before serving (e.g. the transcript retention purge)."""
    _START_TASKS.append(task)
    return task


def _run_start_tasks() -> None:
    for task in _START_TASKS:
        task()


on_start(clear_expired_sessions)


def _int_range(low: int, high: int):
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not from {low} to {high}")
        return value

    return parse


def _bind_address(text: str) -> str:
    """An argparse type: where gunicorn listens, ``HOST:PORT`` (``[::1]:8000`` for IPv6) or
    ``unix:/path``. Checked here so that a mistyped RAPPORT_BIND is one clear line rather
    than a gunicorn traceback after start-up."""
    usage = "is not HOST:PORT (e.g. 127.0.0.1:8000) or unix:/path/to.sock"
    if text.startswith("unix:"):
        if len(text) > len("unix:"):
            return text
        raise argparse.ArgumentTypeError(f"{text!r} {usage}")
    host, colon, port = text.rpartition(":")
    if not colon or not host or host in {"[", "[]"} or not port.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} {usage}")
    if not 1 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"port {port} is not from 1 to 65535")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rapport",
        description="Rapport: build, measure and strengthen the therapeutic relationship.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = sub.add_parser(
        "demo",
        help="run a demo clinic on SQLite at http://127.0.0.1:PORT",
        description="Create (or reuse) a demo clinic with synthetic clients in --data-dir and "
        "serve it on this machine only, with known passwords (printed at start). Not for real "
        "clients: use 'rapport serve' for a clinic.",
    )
    demo.add_argument(
        "--port", type=_int_range(1, 65535), default=8000, help="port on 127.0.0.1 (default 8000)"
    )
    demo.add_argument(
        "--data-dir",
        default="data",
        help="folder for the demo's SQLite database and keys (default ./data)",
    )
    demo.add_argument("--no-browser", action="store_true", help="do not open a browser")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser(
        "serve",
        help="run the production server (gunicorn); settings from RAPPORT_*",
        description="Check the database, the keys and file permissions, collect the static "
        "files, delete expired sessions and old transcript text, then run gunicorn behind "
        "your TLS proxy (docs/operations.md).",
    )
    serve.add_argument(
        "--bind",
        type=_bind_address,
        default=os.environ.get("RAPPORT_BIND", "127.0.0.1:8000"),
        help="HOST:PORT or unix:/path/to.sock to listen on (default RAPPORT_BIND, else "
        "127.0.0.1:8000)",
    )
    # A string default goes through the same check as the argument (RAPPORT_WORKERS=abc is
    # then one clear line, and only for `serve`).
    serve.add_argument(
        "--workers",
        type=_int_range(1, 64),
        default=os.environ.get("RAPPORT_WORKERS", "3"),
        help="gunicorn worker processes, 1 to 64 (default RAPPORT_WORKERS, else 3)",
    )
    serve.add_argument(
        "--allow-debug",
        action="store_true",
        help="serve even with RAPPORT_DEBUG on (debug pages, no Secure cookies): not for a clinic",
    )
    serve.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="serve even with RAPPORT_HTTPS off (cookies without Secure, no HSTS, http:// "
        "check-in links): not for a clinic; behind a TLS proxy set RAPPORT_HTTPS=1 instead",
    )
    serve.set_defaults(handler=cmd_serve)

    migrate = sub.add_parser(
        "migrate",
        help="create or update the database tables",
        description="Create the database (SQLite: in RAPPORT_DATA_DIR) or bring its tables up "
        "to this version of Rapport. Run it once at installation and after every upgrade, "
        "with Rapport stopped.",
    )
    migrate.add_argument(
        "-v",
        "--verbosity",
        type=_int_range(0, 3),
        default=1,
        help="0 prints nothing, 1 each migration (default), 2 and 3 more detail",
    )
    migrate.add_argument(
        "--new-secret-key",
        action="store_true",
        help="record the configured RAPPORT_SECRET_KEY as this database's key, replacing "
        "the one it was set up with (only when that key is lost or was changed on purpose: "
        "check-in links, sessions and API cursors it signed stop working)",
    )
    migrate.set_defaults(handler=cmd_migrate)

    createuser = sub.add_parser(
        "createuser",
        help="create a staff account (password from RAPPORT_NEW_USER_PASSWORD or a prompt)",
    )
    createuser.add_argument("--email", required=True, help="their sign-in email")
    createuser.add_argument(
        "--role",
        required=True,
        choices=["admin", "supervisor", "therapist"],
        help="what they may do (a clinic admin manages accounts and sees no client)",
    )
    createuser.add_argument("--name", default="", help="full name")
    createuser.add_argument(
        "--clinic",
        default=None,
        help=f"name of the clinic to create when none exists yet (default {DEFAULT_CLINIC_NAME!r})",
    )
    createuser.add_argument(
        "--own",
        action="store_true",
        help="the account is yours (the first admin's, say): keep this password (otherwise, "
        "as whoever typed it knows it, its owner must choose their own at their first sign-in)",
    )
    createuser.set_defaults(handler=cmd_createuser)

    set_password = sub.add_parser(
        "set-password",
        help="set a new password for a staff account (from RAPPORT_NEW_USER_PASSWORD or a prompt)",
    )
    set_password.add_argument("--email", required=True, help="the staff member's sign-in email")
    set_password.add_argument(
        "--own",
        action="store_true",
        help="the account is yours: keep this password (otherwise, as whoever typed it knows "
        "it, its owner must choose their own at their next sign-in)",
    )
    set_password.set_defaults(handler=cmd_set_password)

    keygen = sub.add_parser(
        "keygen",
        help="print a new encryption key for RAPPORT_ENCRYPTION_KEYS",
        description="Print a new encryption key. Make it once and keep it (and back it up) "
        "for as long as the data: a new key at every start leaves the data unreadable. To "
        "rotate, put it first in the key list and run 'rapport rotate-key'.",
    )
    keygen.set_defaults(handler=cmd_keygen)

    rotate = sub.add_parser(
        "rotate-key",
        help="re-encrypt all client free text with the first (newest) key",
        description="Re-encrypt every encrypted value and second-factor secret with the first "
        "key in RAPPORT_ENCRYPTION_KEYS / RAPPORT_ENCRYPTION_KEY_FILE, in one transaction: a "
        "value no configured key opens stops it and nothing is changed. Keep the old keys in "
        "the list until it has finished (docs/configuration.md, 'Key rotation').",
    )
    rotate.set_defaults(handler=cmd_rotate_key)

    backup = sub.add_parser(
        "backup",
        help="copy the SQLite database consistently while it runs (PostgreSQL: print the "
        "pg_dump command); keys are not included",
        description="SQLite: copy the database, while Rapport runs, into a new private file "
        "(mode 0600), checked before the command says it is done. PostgreSQL: print the "
        "pg_dump command to run. Either way the keys are not in the backup: keep them apart "
        "(docs/operations.md, 'Backup').",
    )
    backup.add_argument(
        "dest", metavar="DEST", help="new file, or a folder for a dated file (never overwritten)"
    )
    backup.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing when the SQLite backup is made (for cron, which mails any output); "
        "on PostgreSQL the pg_dump command is printed all the same",
    )
    backup.set_defaults(handler=cmd_backup)

    reset_mfa = sub.add_parser(
        "reset-mfa",
        help="remove a staff member's second factors (a lost phone); ends their sessions "
        "and API tokens",
        description="Remove a staff member's authenticator app and recovery codes, end their "
        "signed-in sessions and revoke their API tokens, recorded in the audit log. Check who "
        "is asking first. They set up a new authenticator at their next sign-in.",
    )
    reset_mfa.add_argument("--email", required=True, help="the staff member's sign-in email")
    reset_mfa.set_defaults(handler=cmd_reset_mfa)

    clear_sessions = sub.add_parser(
        "clear-sessions",
        help="delete expired sign-in sessions (cron, daily, with --quiet)",
        description="Delete the sign-in sessions that have expired (nobody is signed out) and "
        "say how many. Example cron line: 50 3 * * * rapport clear-sessions --quiet",
    )
    clear_sessions.add_argument("--quiet", action="store_true", help="print nothing on success")
    clear_sessions.set_defaults(handler=cmd_clear_sessions)

    for add in _EXTRA_COMMANDS:
        add(sub)
    _describe_from_help(sub)
    return parser


def _describe_from_help(sub: argparse._SubParsersAction) -> None:
    """A command's own --help opens with what it does: its one-line help from the command
    list, where it gives no longer description (nested commands too: rapport token list)."""
    for choice in sub._choices_actions:
        command = sub.choices[choice.dest]
        if not command.description and choice.help:
            command.description = choice.help[:1].upper() + choice.help[1:] + "."
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _describe_from_help(action)


def main(argv: list[str] | None = None) -> int:
    import rapport.commands  # noqa: F401 - registers the packages' commands

    args = build_parser().parse_args(argv)
    from rapport.audit.context import audit_scope
    from rapport.lib.env import ConfigError

    try:
        # One audit request id for the whole command (a cron run of recompute-alerts, a
        # calibration): its rows read as one unit in the audit log.
        with audit_scope():
            args.handler(args)
    except (ConfigError, CommandError) as error:
        print(f"rapport: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`rapport analyze sessions/ | head`): stop quietly, as other
        # command-line tools do, and keep Python from complaining again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return 0


if __name__ == "__main__":
    sys.exit(main())
