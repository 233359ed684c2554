"""An operator's commands and start-up checks (docs/operations.md): the encryption key
check, backups, resetting a lost phone's MFA, serve's refusals and warnings, sessions."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from rapport import cli
from rapport.cli import main
from rapport.lib.crypto import generate_key

GOOD_KEY = "dGVzdC1vbmx5LWtleS0xLXRlc3Qtb25seS1rZXktMTI="


def record_exec(monkeypatch) -> list[list[str]]:
    """gunicorn is not started: the argv ``rapport serve`` would run is recorded."""
    started: list[list[str]] = []
    monkeypatch.setattr(cli.os, "execvp", lambda path, argv: started.append(argv))
    return started


# --- the encryption key opens the data ------------------------------------------------


@pytest.mark.django_db
def test_a_key_that_does_not_open_the_data_stops_every_command_in_one_line(
    settings, capsys, monkeypatch, client_a
):
    """As `export RAPPORT_ENCRYPTION_KEYS=$(rapport keygen)` in a start script does: a new
    key at each start. Serving would answer 500 on every client's page."""
    settings.ENCRYPTION_KEYS = [generate_key()]
    settings.WHITENOISE_USE_FINDERS = True
    started = record_exec(monkeypatch)

    assert main(["serve"]) == 2
    assert main(["purge-transcripts"]) == 2

    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in err
    assert lines[0].startswith(
        "rapport: the encryption key does not open this database's data: a value in table "
        "clinic_client (column display_name) cannot be decrypted"
    )
    assert started == []


@pytest.mark.django_db
def test_the_old_key_kept_after_a_new_one_still_opens_the_data(
    settings, capsys, monkeypatch, client_a
):
    old = list(settings.ENCRYPTION_KEYS)
    settings.ENCRYPTION_KEYS = [generate_key(), *old]
    settings.WHITENOISE_USE_FINDERS = True
    started = record_exec(monkeypatch)
    assert main(["serve"]) == 0
    assert started
    # Nothing stored yet under any key: nothing to check, nothing refused.


@pytest.mark.django_db
def test_serve_runs_gunicorn_with_an_explicit_request_timeout(settings, monkeypatch):
    """A request that holds a worker (a huge upload being read, a stuck query) is cut off
    after a minute, longer than the longest legitimate one (confirming a transcript's roles)."""
    from gunicorn.config import Config

    settings.WHITENOISE_USE_FINDERS = True
    started = record_exec(monkeypatch)
    assert main(["serve"]) == 0
    (argv,) = started
    parsed = Config().parser().parse_args(argv[1:])  # as gunicorn reads its command line
    assert parsed.timeout == 60


@pytest.mark.django_db
def test_an_old_key_removed_before_rotation_is_found_in_the_oldest_rows(
    settings, capsys, client_a, therapist_a
):
    from tests.conftest import make_client

    old_only = list(settings.ENCRYPTION_KEYS)
    new = generate_key()
    settings.ENCRYPTION_KEYS = [new, *old_only]
    make_client(therapist_a, "Newer Client")  # written under the new key
    settings.ENCRYPTION_KEYS = [new]  # the old key removed without rotate-key
    assert main(["purge-transcripts"]) == 2
    assert "does not open this database's data" in capsys.readouterr().err


@pytest.mark.django_db
def test_an_unreadable_second_factor_secret_is_found_too(settings, capsys, therapist_a):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(therapist_a, "JBSWY3DPEHPK3PXP")  # encrypted by the MFA adapter
    settings.ENCRYPTION_KEYS = [generate_key()]
    assert main(["purge-transcripts"]) == 2
    assert "a second-factor secret (table mfa_authenticator)" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_new_installation_with_no_data_passes_the_key_check(settings, capsys, clinic):
    settings.ENCRYPTION_KEYS = [generate_key()]
    assert main(["purge-transcripts", "--quiet"]) == 0


@pytest.mark.django_db
def test_an_encrypted_column_an_older_database_lacks_is_passed_over(
    settings, monkeypatch, client_a
):
    """`rapport migrate` on a backup of an older release: the check reads only columns
    that exist, so it neither fails with a database error nor misses the key."""
    from rapport.core import operations

    real = list(operations._encrypted_columns())
    # The name also catches SQLite's reading of an unknown "quoted" column as a string
    # (PostgreSQL fails the query instead): that string would look like ciphertext.
    monkeypatch.setattr(
        operations,
        "_encrypted_columns",
        lambda: iter([("clinic_client", "id", "enc1:added_later"), *real]),
    )
    assert operations.encryption_key_mismatch() is None
    settings.ENCRYPTION_KEYS = [generate_key()]
    assert (
        operations.encryption_key_mismatch()
        == "a value in table clinic_client (column display_name)"
    )


# --- backup ---------------------------------------------------------------------------


def _run(*args, cwd=None, **env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        RAPPORT_SECRET_KEY="operations-test-secret-key-" + "x" * 20,
        RAPPORT_ENCRYPTION_KEYS=GOOD_KEY,
        RAPPORT_HTTPS="0",
        RAPPORT_STATIC_FROM_PACKAGE="1",
    )
    env.update(env_overrides)
    return subprocess.run(
        [str(Path(sys.executable).with_name("rapport")), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


def test_backup_copies_the_running_sqlite_database_into_a_private_new_file(tmp_path):
    data = tmp_path / "data"
    assert _run("migrate", "-v", "0", RAPPORT_DATA_DIR=str(data)).returncode == 0
    made = _run(
        "createuser",
        "--email",
        "operator@test.invalid",
        "--role",
        "admin",
        RAPPORT_DATA_DIR=str(data),
        RAPPORT_NEW_USER_PASSWORD="a-long-enough-passphrase",
    )
    assert made.returncode == 0, made.stderr
    dest = tmp_path / "backups" / "rapport.sqlite3"
    dest.parent.mkdir()

    result = _run("backup", str(dest), RAPPORT_DATA_DIR=str(data))

    assert result.returncode == 0, result.stderr
    assert f"Backed up the database to {dest}" in result.stdout
    assert "holds no keys" in result.stdout
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert not Path(f"{dest}-wal").exists()  # one self-contained file
    copy = sqlite3.connect(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT email FROM accounts_user").fetchall() == [
            ("operator@test.invalid",)
        ]
    finally:
        copy.close()
    live = sqlite3.connect(data / "rapport.sqlite3")
    try:
        assert live.execute(
            "SELECT actor_label, action FROM audit_auditevent WHERE target = 'backup:sqlite'"
        ).fetchall() == [("cli", "export")]
    finally:
        live.close()

    again = _run("backup", str(dest), RAPPORT_DATA_DIR=str(data))
    assert again.returncode == 2
    assert again.stderr.strip() == f"rapport: {dest} already exists: a backup never overwrites"

    # A folder gets a dated file: a cron line needs no date arithmetic.
    into_folder = _run("backup", str(dest.parent), RAPPORT_DATA_DIR=str(data))
    assert into_folder.returncode == 0, into_folder.stderr
    assert len(list(dest.parent.glob("rapport-*.sqlite3"))) == 1


def test_a_sqlite_backup_holds_no_live_session_and_no_cache(tmp_path):
    """A session row is a signed-in account: the copy keeps none (nor the cache), not even
    in its free pages, while the live database keeps both."""
    data = tmp_path / "data"
    assert _run("migrate", "-v", "0", RAPPORT_DATA_DIR=str(data)).returncode == 0
    session_key = "livesessionkey" + "q" * 18
    live = sqlite3.connect(data / "rapport.sqlite3")
    try:
        with live:
            live.execute(
                "INSERT INTO django_session VALUES (?, ?, ?)",
                (session_key, "session-data-" + "z" * 40, "2999-01-01 00:00:00"),
            )
            live.execute(
                "INSERT INTO rapport_cache VALUES (?, ?, ?)",
                (":1:throttle-cachekey", "cached-value-" + "y" * 40, "2999-01-01 00:00:00"),
            )
    finally:
        live.close()
    dest = tmp_path / "rapport.sqlite3"

    result = _run("backup", str(dest), RAPPORT_DATA_DIR=str(data))

    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    copy = sqlite3.connect(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM django_session").fetchone() == (0,)
        assert copy.execute("SELECT count(*) FROM rapport_cache").fetchone() == (0,)
        assert copy.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
    finally:
        copy.close()
    raw = dest.read_bytes()
    assert session_key.encode() not in raw and b"throttle-cachekey" not in raw
    live = sqlite3.connect(data / "rapport.sqlite3")
    try:
        assert live.execute("SELECT session_key FROM django_session").fetchall() == [(session_key,)]
        assert live.execute("SELECT count(*) FROM rapport_cache").fetchone() == (1,)
    finally:
        live.close()


def _wal_database(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=20)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # commits stay in the -wal file
    db.execute("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER, pad TEXT)")
    db.execute("CREATE TABLE total (id INTEGER PRIMARY KEY, amount INTEGER)")
    db.execute("INSERT INTO total VALUES (1, 0)")
    return db


def _add(db: sqlite3.Connection, amount: int) -> None:
    # Two tables changed in one transaction: a torn copy shows them disagreeing.
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO ledger (amount, pad) VALUES (?, ?)", (amount, "x" * 2000))
    db.execute("UPDATE total SET amount = amount + ? WHERE id = 1", (amount,))
    db.execute("COMMIT")


def test_a_backup_holds_commits_that_are_still_only_in_the_wal_file(tmp_path):
    """Copying the database file alone would miss them (the naive backup)."""
    from rapport.core.operations import sqlite_backup

    source = tmp_path / "live.sqlite3"
    db = _wal_database(source)
    for amount in range(1, 51):
        _add(db, amount)
    assert Path(f"{source}-wal").stat().st_size > 0

    dest = tmp_path / "copy.sqlite3"
    sqlite_backup(db, dest)

    copy = sqlite3.connect(dest)
    assert copy.execute("SELECT count(*), sum(amount) FROM ledger").fetchone() == (50, 1275)
    assert copy.execute("SELECT amount FROM total").fetchone() == (1275,)
    copy.close()
    db.close()


def test_writes_during_the_backup_leave_a_consistent_copy(tmp_path):
    """The server keeps writing (another connection, as another process would) while the
    backup runs: the copy is the database as of one moment, never a torn mix."""
    from rapport.core.operations import sqlite_backup

    source = tmp_path / "live.sqlite3"
    db = _wal_database(source)
    for _ in range(2000):
        _add(db, 1)
    writer = sqlite3.connect(source, isolation_level=None, check_same_thread=False, timeout=20)
    stop = threading.Event()
    writes = [0]

    def keep_writing():
        while not stop.is_set():
            _add(writer, 1)
            writes[0] += 1

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        copies = []
        for number in range(5):
            dest = tmp_path / f"copy{number}.sqlite3"
            sqlite_backup(db, dest)
            copies.append(dest)
    finally:
        stop.set()
        thread.join()
    assert writes[0] > 0
    for dest in copies:
        copy = sqlite3.connect(dest)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows, ledger_sum = copy.execute("SELECT count(*), sum(amount) FROM ledger").fetchone()
        assert copy.execute("SELECT amount FROM total").fetchone() == (ledger_sum,)
        assert rows >= 2000
        copy.close()
    writer.close()
    db.close()


@pytest.mark.django_db
def test_on_postgresql_backup_prints_the_pg_dump_command_without_the_password(settings):
    from rapport.core.operations import pg_dump_command

    # The production cache (tests use a local-memory one): its rows are left out too.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "rapport_cache",
        }
    }

    command = pg_dump_command(
        "/backups/rapport.dump",
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "rapport",
            "USER": "rapport",
            "PASSWORD": "s3cret-pass",
            "HOST": "db.internal",
            "PORT": 5432,
        },
    )
    assert command == (
        "(umask 077 && pg_dump --format=custom --no-owner --host db.internal --port 5432 "
        "--username rapport --exclude-table-data=django_session "
        "--exclude-table-data=rapport_cache --file /backups/rapport.dump rapport)"
    )


def test_the_printed_pg_dump_command_writes_a_dump_only_its_owner_can_read(tmp_path):
    """Run the printed line through the shell with pg_dump swapped for a stand-in that
    writes its --file as pg_dump does (with the process umask): the dump must be 0600."""
    import os
    import stat
    import subprocess

    from rapport.core.operations import pg_dump_command

    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\nwhile [ "$1" != "--file" ]; do shift; done\necho dump > "$2"\n')
    fake.chmod(0o755)
    dest = tmp_path / "rapport.dump"
    command = pg_dump_command(str(dest), {"NAME": "rapport"})
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", f"umask 022; {command}"], check=True, env=env)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def _on_postgresql() -> bool:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


@pytest.mark.skipif(
    not _on_postgresql(),
    reason="the PostgreSQL branch of `rapport backup` needs the suite run on PostgreSQL "
    "(RAPPORT_DATABASE_URL=postgres://..., as CI does); SQLite's is "
    "test_backup_copies_the_running_sqlite_database_into_a_private_new_file",
)
@pytest.mark.django_db
def test_on_postgresql_backup_prints_pg_dump_and_is_audited_as_the_command_line(capsys, tmp_path):
    from django.conf import settings

    from rapport.audit.models import AuditEvent

    assert main(["backup", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert "pg_dump --format=custom --no-owner" in out
    # A folder gets a dated file, as on SQLite.
    assert f"--file {tmp_path}/rapport-" in out and ".dump " in out
    assert "Nothing has been copied yet" in out and "holds no keys" in out
    password = settings.DATABASES["default"].get("PASSWORD")
    assert not password or password not in out
    event = AuditEvent.objects.get(target="backup:postgresql:pg_dump-command")
    assert (event.actor_label, event.actor_id, event.action) == ("cli", None, "export")
    assert event.clinic_id is None  # the installation's, on no clinic admin's page


@pytest.mark.skipif(
    not _on_postgresql(),
    reason="the PostgreSQL branch of `rapport backup` needs the suite run on PostgreSQL "
    "(RAPPORT_DATABASE_URL=postgres://..., as CI does)",
)
@pytest.mark.django_db
def test_on_postgresql_backup_refuses_to_print_a_pg_dump_over_an_existing_file(capsys, tmp_path):
    from rapport.audit.models import AuditEvent

    existing = tmp_path / "rapport.dump"
    existing.write_text("last night's dump")

    assert main(["backup", str(existing)]) == 2

    captured = capsys.readouterr()
    assert captured.err == f"rapport: {existing} already exists: a backup never overwrites\n"
    assert "pg_dump" not in captured.out
    assert existing.read_text() == "last night's dump"
    assert not AuditEvent.objects.filter(target="backup:postgresql:pg_dump-command").exists()


@pytest.mark.django_db
def test_on_postgresql_backup_refuses_a_dangling_symlink_as_the_dump_file(
    capsys, tmp_path, monkeypatch
):
    """pg_dump --file would follow the link and create the file it names, wherever that is."""
    from django.db import connection

    from rapport.audit.models import AuditEvent

    monkeypatch.setattr(connection, "vendor", "postgresql")  # the branch, on any database
    elsewhere = tmp_path / "elsewhere" / "rapport.dump"
    elsewhere.parent.mkdir()
    link = tmp_path / "rapport.dump"
    link.symlink_to(elsewhere)

    assert main(["backup", str(link)]) == 2

    captured = capsys.readouterr()
    assert captured.err == f"rapport: {link} already exists: a backup never overwrites\n"
    assert "pg_dump" not in captured.out
    assert not elsewhere.exists()
    assert not AuditEvent.objects.filter(target="backup:postgresql:pg_dump-command").exists()


# --- the database a command opened ----------------------------------------------------


def test_a_command_run_from_another_folder_names_the_database_and_leaves_none_behind(
    tmp_path,
):
    """RAPPORT_DATA_DIR defaults to ./data: a cron line run from / or $HOME opened (and
    created) an empty database there and said only to run 'rapport migrate'."""
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    result = _run("purge-transcripts", cwd=elsewhere)
    expected = elsewhere / "data" / "rapport.sqlite3"
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert f"there is no Rapport database at {expected}" in result.stderr
    assert "RAPPORT_DATA_DIR" in result.stderr
    assert not expected.exists()
    assert list(elsewhere.iterdir()) == []  # not even an empty ./data folder


@pytest.mark.django_db
def test_a_database_of_an_older_release_is_named_in_the_migrate_message(capsys):
    from django.db.migrations.recorder import MigrationRecorder

    MigrationRecorder.Migration.objects.filter(app="clinic").order_by("-name").first().delete()
    assert main(["purge-transcripts"]) == 2
    err = capsys.readouterr().err
    assert "the SQLite database" in err or "the PostgreSQL database" in err
    assert "is not set up for this version of Rapport: run 'rapport migrate' first" in err


# --- reset-mfa ------------------------------------------------------------------------


@pytest.mark.django_db
def test_reset_mfa_removes_the_second_factors_and_ends_sessions_and_tokens(
    capsys, client, therapist_a, therapist_b
):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.sessions.models import Session

    from rapport.api.models import ApiToken
    from rapport.api.services import api_token_create
    from rapport.audit.models import AuditEvent

    TOTP.activate(therapist_a, "JBSWY3DPEHPK3PXP")
    RecoveryCodes.activate(therapist_a)
    TOTP.activate(therapist_b, "JBSWY3DPEHPK3PXQ")
    token, _ = api_token_create(actor=therapist_a, user=therapist_a)
    client.force_login(therapist_a)  # the lost phone's signed-in session
    assert Session.objects.count() == 1

    assert main(["reset-mfa", "--email", therapist_a.email.upper()]) == 0

    out = capsys.readouterr().out
    assert f"Removed the second factors of {therapist_a.email} (2)" in out
    assert not Authenticator.objects.filter(user=therapist_a).exists()
    assert Authenticator.objects.filter(user=therapist_b).count() == 1
    assert Session.objects.count() == 0
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    event = AuditEvent.objects.get(target=f"user:{therapist_a.pk}:mfa")
    assert (event.actor_label, event.action) == ("cli", "delete")
    assert AuditEvent.objects.filter(target__endswith="revoked:mfa-reset").count() == 1


@pytest.mark.django_db
def test_reset_mfa_of_an_unknown_email_is_one_line(capsys, clinic):
    assert main(["reset-mfa", "--email", "nobody@test.invalid"]) == 2
    assert (
        capsys.readouterr().err == "rapport: no staff account with the email nobody@test.invalid\n"
    )


# --- serve ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_serve_refuses_debug_mode_unless_asked_for_it(settings, capsys, monkeypatch, clinic):
    settings.DEBUG = True
    settings.WHITENOISE_USE_FINDERS = True
    started = record_exec(monkeypatch)

    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rapport: RAPPORT_DEBUG is on:") and err.count("\n") == 1
    assert "--allow-debug" in err
    assert started == []

    assert main(["serve", "--allow-debug"]) == 0
    assert started


@pytest.mark.django_db
def test_serve_says_in_one_line_when_static_files_cannot_be_collected(
    settings, capsys, monkeypatch, tmp_path, clinic
):
    """PostgreSQL needs no data folder, but collectstatic writes into it."""
    not_a_folder = tmp_path / "afile"
    not_a_folder.write_text("")
    settings.WHITENOISE_USE_FINDERS = False
    settings.STATIC_ROOT = str(not_a_folder / "static")
    started = record_exec(monkeypatch)

    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rapport: cannot collect the static files into {not_a_folder}/static")
    assert "RAPPORT_STATIC_FROM_PACKAGE=1" in err and err.count("\n") == 1
    assert started == []


@pytest.mark.django_db
def test_serve_warns_when_the_base_url_host_is_not_an_allowed_host(
    settings, capsys, monkeypatch, clinic
):
    settings.WHITENOISE_USE_FINDERS = True
    settings.HTTPS = True  # plain HTTP for a public address is refused (test_ops_serve)
    settings.BASE_URL = "https://rapport.example.org"
    settings.ALLOWED_HOSTS = ["intranet.example.org"]
    record_exec(monkeypatch)
    assert main(["serve"]) == 0
    assert (
        "warning: RAPPORT_BASE_URL's host rapport.example.org is not in RAPPORT_ALLOWED_HOSTS"
        in capsys.readouterr().err
    )
    settings.ALLOWED_HOSTS = [".example.org"]
    assert main(["serve"]) == 0
    assert "RAPPORT_BASE_URL" not in capsys.readouterr().err


# --- sessions and createuser ----------------------------------------------------------


def _expired_session():
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store["signed_in"] = True
    store.create()
    from django.contrib.sessions.models import Session

    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    return store.session_key


@pytest.mark.django_db
def test_expired_sessions_are_cleared_by_the_command_and_at_serve_start(
    settings, monkeypatch, capsys, clinic
):
    from django.contrib.sessions.models import Session

    _expired_session()
    _expired_session()
    assert main(["clear-sessions"]) == 0
    assert Session.objects.count() == 0
    assert capsys.readouterr().out == "Deleted 2 expired sign-in sessions.\n"
    assert main(["clear-sessions", "--quiet"]) == 0  # from cron: mail only when it fails
    assert capsys.readouterr().out == ""

    _expired_session()
    settings.WHITENOISE_USE_FINDERS = True
    record_exec(monkeypatch)
    assert main(["serve"]) == 0
    assert Session.objects.count() == 0


@pytest.mark.django_db
def test_createuser_names_the_existing_clinic_instead_of_ignoring_another(
    monkeypatch, capsys, clinic
):
    from rapport.accounts.models import User
    from rapport.clinic.models import Clinic

    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-long-enough-passphrase")
    assert (
        main(
            ["createuser", "--email", "x@test.invalid", "--role", "therapist", "--clinic", "Other"]
        )
        == 2
    )
    assert "the clinic 'Test Clinic' already exists" in capsys.readouterr().err
    assert not User.objects.filter(email="x@test.invalid").exists()
    assert list(Clinic.objects.values_list("name", flat=True)) == ["Test Clinic"]
    assert (
        main(
            [
                "createuser",
                "--email",
                "x@test.invalid",
                "--role",
                "therapist",
                "--clinic",
                "Test Clinic",
            ]
        )
        == 0
    )
    assert User.objects.get(email="x@test.invalid").clinic == clinic
