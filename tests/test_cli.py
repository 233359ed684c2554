from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rapport.cli import build_parser, main


def subcommands():
    import rapport.commands  # noqa: F401

    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_core_commands_exist():
    assert {
        "demo",
        "serve",
        "migrate",
        "createuser",
        "set-password",
        "keygen",
        "rotate-key",
    } <= set(subcommands())


@pytest.mark.parametrize("command", subcommands())
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: rapport {command}")


def test_demo_options():
    args = build_parser().parse_args(
        ["demo", "--port", "9001", "--data-dir", "/tmp/x", "--no-browser"]
    )
    assert (args.port, args.data_dir, args.no_browser) == (9001, "/tmp/x", True)


@pytest.mark.django_db
def test_createuser_creates_a_staff_account(monkeypatch, capsys, clinic):
    from rapport.accounts.models import User

    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-long-enough-passphrase")
    assert main(["createuser", "--email", "New.Person@Test.invalid", "--role", "supervisor"]) == 0
    user = User.objects.get(email="new.person@test.invalid")
    assert user.role == "supervisor" and user.check_password("a-long-enough-passphrase")
    assert main(["createuser", "--email", "new.person@test.invalid", "--role", "therapist"]) == 2
    assert "already exists" in capsys.readouterr().err


@pytest.mark.django_db
def test_createuser_is_audited_as_the_command_line_and_keeps_the_operators_password(
    monkeypatch, clinic
):
    """As rapport set-password and the token commands: "cli" is an operator's hand,
    "system" the app's own work. An operator making their own account (--own) is not made
    to change the password they just chose."""
    from rapport.accounts.models import User
    from rapport.audit.models import AuditEvent

    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-long-enough-passphrase")
    assert main(["createuser", "--email", "operator@test.invalid", "--role", "admin", "--own"]) == 0
    user = User.objects.get(email="operator@test.invalid")
    event = AuditEvent.objects.get(target=f"user:{user.pk}:role:admin")
    assert (event.actor_label, event.actor_id) == ("cli", None)
    assert not user.must_change_password


@pytest.mark.django_db
def test_set_password_gives_a_staff_member_a_new_password_audited(monkeypatch, capsys, therapist_a):
    from rapport.audit.models import AuditEvent

    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "short")
    assert main(["set-password", "--email", therapist_a.email]) == 2
    assert "too short" in capsys.readouterr().err
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-new-long-enough-passphrase")
    assert main(["set-password", "--email", "nobody@test.invalid"]) == 2
    assert "no staff account" in capsys.readouterr().err
    assert main(["set-password", "--email", therapist_a.email.upper()]) == 0
    therapist_a.refresh_from_db()
    assert therapist_a.check_password("a-new-long-enough-passphrase")
    event = AuditEvent.objects.get(target=f"user:{therapist_a.pk}:password")
    assert event.actor_label == "cli"
    # The operator knows it: the therapist chooses their own at their next sign-in.
    assert therapist_a.must_change_password
    assert "choose their own" in capsys.readouterr().out
    assert main(["set-password", "--email", therapist_a.email, "--own"]) == 0
    therapist_a.refresh_from_db()
    assert not therapist_a.must_change_password


def test_createuser_refuses_an_unknown_role(capsys):
    with pytest.raises(SystemExit):
        main(["createuser", "--email", "a@b.invalid", "--role", "owner"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_the_command_quietly(monkeypatch, tmp_path, capsys):
    # `rapport analyze sessions/ | head`: the pipe closes while the command still writes.
    class ClosedPipe:
        def __init__(self):
            self.file = (tmp_path / "stdout").open("w")

        def write(self, text):
            raise BrokenPipeError

        def flush(self):
            pass

        def fileno(self):
            return self.file.fileno()

    monkeypatch.setattr(sys, "stdout", ClosedPipe())
    assert main(["keygen"]) == 141
    assert capsys.readouterr().err == ""


@pytest.mark.django_db
def test_a_database_without_its_tables_says_to_migrate(capsys):
    from django.db.migrations.recorder import MigrationRecorder

    # As a database of an older release: the last migration not applied yet (the test's
    # transaction restores the record afterwards).
    latest = MigrationRecorder.Migration.objects.filter(app="clinic").order_by("-name").first()
    assert latest is not None
    latest.delete()
    assert main(["purge-transcripts"]) == 2
    assert "run 'rapport migrate' first" in capsys.readouterr().err


@pytest.mark.django_db
def test_a_password_prompt_without_a_terminal_is_a_clear_error(monkeypatch, capsys, clinic):
    import getpass

    def no_terminal(prompt=""):
        raise EOFError

    monkeypatch.delenv("RAPPORT_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", no_terminal)
    assert main(["createuser", "--email", "new@test.invalid", "--role", "therapist"]) == 2
    assert "no password given" in capsys.readouterr().err


@pytest.mark.django_db
def test_createuser_refuses_a_bad_email_and_leaves_no_clinic_behind(monkeypatch, capsys):
    from rapport.clinic.models import Clinic

    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "short")
    assert (
        main(["createuser", "--email", "a@b.invalid", "--role", "therapist", "--clinic", "X"]) == 2
    )
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-long-enough-passphrase")
    assert main(["createuser", "--email", "not-an-email", "--role", "therapist"]) == 2
    assert "Enter a valid email address." in capsys.readouterr().err
    assert not Clinic.objects.exists()


@pytest.mark.django_db
def test_a_check_in_link_lasts_at_most_two_weeks_and_defaults_to_the_setting(
    capsys, client_a, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from rapport.checkins.models import CheckIn
    from rapport.checkins.services import DEFAULT_VALID_FOR

    args = ["checkin-link", "--client", str(client_a.pk), "--instrument", "phq9"]
    assert main([*args, "--hours", "100000"]) == 2
    assert "--hours must be from 1 to 336" in capsys.readouterr().err
    assert main(args) == 0
    checkin = CheckIn.objects.get()
    # The setting's hours, or until the session it is for has ended if that is later: the
    # client's next session is a week away, so the link lasts until it ends.
    appointment = checkin.appointment
    ends = appointment.starts_at + timedelta(minutes=appointment.duration_minutes)
    assert ends > timezone.now() + DEFAULT_VALID_FOR
    assert checkin.expires_at == ends


@pytest.mark.django_db
def test_a_token_is_revoked_by_the_whole_token_or_a_long_enough_start(capsys, therapist_a):
    from rapport.api.models import ApiToken
    from rapport.api.services import api_token_create

    _first, raw = api_token_create(actor=None, user=therapist_a)
    _second, other = api_token_create(actor=None, user=therapist_a)
    assert main(["token", "revoke", "--prefix", ""]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["token", "revoke", "--prefix", raw]) == 0  # pasted whole, from a leak
    assert ApiToken.objects.get(token_hash=_first.token_hash).revoked_at is not None
    assert ApiToken.objects.get(token_hash=_second.token_hash).revoked_at is None
    assert main(["token", "revoke", "--prefix", other[:12]]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "--port", "99999"],
        ["demo", "--port", "x"],
        ["serve", "--workers", "0"],
        ["serve", "--bind", "8000"],
        ["serve", "--bind", "localhost:eighty"],
        ["serve", "--bind", "127.0.0.1:70000"],
        ["serve", "--bind", "unix:"],
    ],
)
def test_numbers_out_of_range_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(argv)
    assert exit_.value.code == 2
    assert "not" in capsys.readouterr().err


@pytest.mark.parametrize("bind", ["127.0.0.1:8000", "[::1]:8443", "0.0.0.0:80", "unix:/run/r.sock"])
def test_the_server_address_forms_gunicorn_takes_are_accepted(bind):
    assert build_parser().parse_args(["serve", "--bind", bind]).bind == bind


def test_a_mistyped_rapport_bind_is_refused_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("RAPPORT_BIND", "127.0.0.1")
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["serve"])
    assert exit_.value.code == 2
    assert "'127.0.0.1' is not HOST:PORT" in capsys.readouterr().err


def test_the_demo_refuses_a_busy_port_or_a_file_as_its_folder_before_announcing(tmp_path, capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        assert main(["demo", "--port", str(port), "--data-dir", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"port {port} is in use" in captured.err and "demo clinic" not in captured.out
    a_file = tmp_path / "data"
    a_file.write_text("")
    assert main(["demo", "--data-dir", str(a_file), "--no-browser"]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _demo(*args: str, cwd=None, **env_overrides: str):
    """``rapport demo ARGS`` in a process of its own (its settings come from the folder it
    is given), with no RAPPORT_* variable but those given. Each case below stops before the
    server starts; one that did not would run until the timeout."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "-m", "rapport.cli", "demo", "--port", str(_free_port()), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def test_a_demo_folder_under_a_file_is_named_as_the_data_dir_option(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("")
    result = _demo("--data-dir", str(a_file / "demo"), "--no-browser")
    assert result.returncode == 2
    assert result.stderr == (
        f"rapport: --data-dir {a_file / 'demo'}: {a_file} is a file, not a folder\n"
    )


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs a folder nobody can write")
def test_a_demo_folder_nobody_can_write_in_is_one_line_naming_the_data_dir_option():
    result = _demo("--data-dir", "/sys/kernel", "--no-browser")
    assert result.returncode == 2
    assert result.stderr.startswith(
        "rapport: --data-dir /sys/kernel: cannot create or write in this folder ("
    )
    assert result.stderr.endswith("): choose a folder this account can write in\n")
    assert "Traceback" not in result.stderr and "RAPPORT_DATA_DIR" not in result.stderr


def test_a_demo_folder_holding_a_broken_database_names_the_file_and_the_option(tmp_path):
    (tmp_path / "rapport.sqlite3").write_text("not a database\n")
    result = _demo("--data-dir", str(tmp_path), "--no-browser")
    assert result.returncode == 2
    assert result.stderr == (
        f"rapport: cannot open the demo's database {tmp_path / 'rapport.sqlite3'} in "
        f"--data-dir {tmp_path}: file is not a database (give another --data-dir, or move "
        "that file away)\n"
    )


def test_a_demo_key_file_that_cannot_be_read_is_one_line_naming_the_option(tmp_path):
    (tmp_path / "secret-key").mkdir()
    result = _demo("--data-dir", str(tmp_path), "--no-browser")
    assert result.returncode == 2
    assert result.stderr == (
        f"rapport: --data-dir {tmp_path}: cannot use {tmp_path / 'secret-key'}: Is a directory\n"
    )


def test_an_empty_demo_folder_name_is_refused_not_taken_as_the_current_folder(tmp_path):
    result = _demo("--data-dir", "", "--no-browser", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "rapport: --data-dir is empty: name a folder for the demo's data\n"
    assert list(tmp_path.iterdir()) == []


def test_the_demo_never_writes_into_the_database_of_rapport_database_url(tmp_path):
    # The demo's accounts have published passwords. Its own database is broken here, so
    # the demo stops at it: the clinic's database was not touched, not even created.
    clinic = tmp_path / "clinic.sqlite3"
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "rapport.sqlite3").write_text("not a database\n")
    result = _demo(
        "--data-dir", str(demo), "--no-browser", RAPPORT_DATABASE_URL=f"sqlite:///{clinic}"
    )
    assert result.returncode == 2
    port = result.args[result.args.index("--port") + 1]
    assert result.stderr.startswith(
        "note: the demo ignores RAPPORT_DATABASE_URL (a clinic's settings): it keeps its own "
        f"database and keys in --data-dir {demo}, links to http://127.0.0.1:{port} and prints "
        f"email here instead of sending it\nrapport: cannot open the demo's database "
        f"{demo / 'rapport.sqlite3'}"
    )
    assert not clinic.exists()


# A clinic's environment, as on its server; every value is one the settings would refuse
# (a short secret key, a malformed encryption key, a port that is no number, a host with a
# scheme) or one that would connect the demo to the clinic.
_CLINIC_ENVIRONMENT = {
    "RAPPORT_SECRET_KEY": "clinic-secret-too-short",
    "RAPPORT_ENCRYPTION_KEYS": "clinic-key-not-a-fernet-key",
    "RAPPORT_EMAIL_HOST": "mail.clinic.example",
    "RAPPORT_EMAIL_PORT": "smtp",
    "RAPPORT_EMAIL_PASSWORD": "clinic-mail-password",
    "RAPPORT_BASE_URL": "https://rapport.clinic.example",
    "RAPPORT_ALLOWED_HOSTS": "https://rapport.clinic.example/",
    "RAPPORT_HTTPS": "1",
    "RAPPORT_EMAIL_USER": "",  # set but empty: nothing to ignore, not named
    "RAPPORT_LOG_LEVEL": "warning",  # honoured: harmless, not named
}


def test_the_demo_reads_no_clinic_setting_and_names_those_it_ignores_never_their_values(
    tmp_path,
):
    # Its own database is broken, so the demo stops there, after reading its settings:
    # none of the clinic's values above stopped it, and none is shown.
    clinic_dir = tmp_path / "clinic-data"
    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "rapport.sqlite3").write_text("not a database\n")
    result = _demo(
        "--data-dir",
        str(demo),
        "--no-browser",
        RAPPORT_DATA_DIR=str(clinic_dir),
        RAPPORT_ENCRYPTION_KEY_FILE=str(tmp_path / "clinic-keys"),
        **_CLINIC_ENVIRONMENT,
    )
    assert result.returncode == 2
    note, error = result.stderr.splitlines()
    assert note.startswith(
        "note: the demo ignores RAPPORT_ALLOWED_HOSTS, RAPPORT_BASE_URL, RAPPORT_DATA_DIR, "
        "RAPPORT_EMAIL_HOST, RAPPORT_EMAIL_PASSWORD, RAPPORT_EMAIL_PORT, "
        "RAPPORT_ENCRYPTION_KEYS, RAPPORT_ENCRYPTION_KEY_FILE, RAPPORT_HTTPS, "
        "RAPPORT_SECRET_KEY (a clinic's settings): it keeps its own database and keys in "
        f"--data-dir {demo}, links to http://127.0.0.1:"
    )
    assert error.startswith("rapport: cannot open the demo's database ")
    for value in _CLINIC_ENVIRONMENT.values():
        if "clinic" in value:  # the secrets, the mail server, the clinic's address
            assert value not in result.stderr
    assert not clinic_dir.exists()


_DEMO_UNTIL_SERVING = """
import sys
from rapport import cli

def serve(name, *args, **options):
    if name != "runserver":
        return  # migrate and seed: not needed to read the settings
    from django.conf import settings
    from django.core.mail import send_mail

    print("BACKEND", settings.EMAIL_BACKEND)
    print("BASE_URL", settings.BASE_URL)
    print("DATABASE", settings.DATABASES["default"]["NAME"])
    print("HOSTS", ",".join(settings.ALLOWED_HOSTS))
    print("SECRET_KEY_IS_CLINICS", settings.SECRET_KEY == sys.argv[1])
    print("KEYS_ARE_CLINICS", settings.ENCRYPTION_KEYS == [sys.argv[2]])
    send_mail("Demo subject", "Demo body", None, ["someone@example.invalid"])

cli._call = serve
cli._run_start_tasks = lambda: None
cli._record_secret_key = lambda **kwargs: None  # migrate is skipped: no table to write to
sys.exit(cli.main(sys.argv[3:]))
"""


def test_the_demo_prints_its_email_and_links_to_itself_with_a_clinic_environment(tmp_path):
    """Started where a clinic's (valid) settings are set, the demo still serves its own
    data: email printed, never sent through the clinic's mail server (nothing listens on
    its port here, so sending would fail), links to 127.0.0.1, its own keys."""
    import os
    import socket
    import subprocess

    from rapport.lib.crypto import generate_key

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        mail_port = closed.getsockname()[1]
    secret, key = "s" * 40, generate_key()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        RAPPORT_SECRET_KEY=secret,
        RAPPORT_ENCRYPTION_KEYS=key,
        RAPPORT_EMAIL_HOST="127.0.0.1",
        RAPPORT_EMAIL_PORT=str(mail_port),
        RAPPORT_EMAIL_TLS="0",
        RAPPORT_BASE_URL="https://rapport.clinic.example",
        RAPPORT_ALLOWED_HOSTS="rapport.clinic.example",
        RAPPORT_DATABASE_URL=f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
    )
    port = _free_port()
    demo = tmp_path / "demo"
    result = subprocess.run(
        [sys.executable, "-c", _DEMO_UNTIL_SERVING, secret, key]
        + ["demo", "--port", str(port), "--data-dir", str(demo), "--no-browser"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "BACKEND django.core.mail.backends.console.EmailBackend\n" in out
    assert "Subject: Demo subject" in out and "To: someone@example.invalid" in out
    assert f"BASE_URL http://127.0.0.1:{port}\n" in out
    assert f"DATABASE {demo / 'rapport.sqlite3'}\n" in out
    assert "HOSTS 127.0.0.1,localhost\n" in out
    assert "SECRET_KEY_IS_CLINICS False\n" in out and "KEYS_ARE_CLINICS False\n" in out
    assert (demo / "encryption-key").exists()
    assert not (tmp_path / "clinic.sqlite3").exists()


def test_a_demo_folder_written_with_another_key_is_named_not_the_clinic_key_settings(
    tmp_path,
):
    # The demo folder's database holds a value encrypted with a key that is not the demo's
    # (say an older demo run that read a clinic's RAPPORT_ENCRYPTION_KEYS).
    import sqlite3

    from rapport.lib.crypto import KeyRing, generate_key

    with sqlite3.connect(tmp_path / "rapport.sqlite3") as db:
        db.execute("CREATE TABLE clinic_client (id INTEGER PRIMARY KEY, display_name TEXT)")
        db.execute(
            "INSERT INTO clinic_client (display_name) VALUES (?)",
            [KeyRing([generate_key()]).encrypt("Ada A.")],
        )
    db.close()
    result = _demo("--data-dir", str(tmp_path), "--no-browser")
    assert result.returncode == 2
    assert result.stderr == (
        f"rapport: the demo's key ({tmp_path / 'encryption-key'}) does not open the data in "
        f"its database {tmp_path / 'rapport.sqlite3'} in --data-dir {tmp_path}: a value in "
        "table clinic_client (column display_name) cannot be decrypted, so that folder's "
        "data was written with another key (give another --data-dir, or move that folder "
        "away); nothing was changed\n"
    )


def test_every_setting_the_demo_honours_is_a_documented_one():
    import re

    from rapport.cli import DEMO_HONOURED_VARIABLES

    documented = set(
        re.findall(
            r"RAPPORT_[A-Z_]+", (Path(__file__).parents[1] / "docs/configuration.md").read_text()
        )
    )
    assert not DEMO_HONOURED_VARIABLES - documented  # no misspelt name
    for connecting in ("RAPPORT_DATABASE_URL", "RAPPORT_BASE_URL", "RAPPORT_EMAIL_HOST"):
        assert connecting not in DEMO_HONOURED_VARIABLES


def _commands_and_parsers():
    """Every command, nested ones included ("token list"), with its parser."""
    import argparse

    import rapport.commands  # noqa: F401

    def walk(parser, prefix):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, command in action.choices.items():
                    yield f"{prefix}{name}", command
                    yield from walk(command, f"{prefix}{name} ")

    return list(walk(build_parser(), ""))


@pytest.mark.parametrize(("name", "parser"), _commands_and_parsers())
def test_every_command_says_what_it_does_and_what_each_option_is(name, parser):
    """An operator reading `rapport COMMAND --help` (often over SSH, at 2 a.m.) learns what
    the command does and what every option means, not just their names."""
    import argparse

    assert parser.description, f"rapport {name} --help does not say what it does"
    unexplained = [
        action.option_strings[-1] if action.option_strings else action.dest
        for action in parser._actions
        # A list of commands explains itself: each has its own line.
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert unexplained == [], f"rapport {name}: no help for {unexplained}"


def test_migrate_verbosity_is_django_s_0_to_3(capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["migrate", "-v", "9"])
    assert exit_.value.code == 2
    assert "9 is not from 0 to 3" in capsys.readouterr().err


def test_an_empty_backup_destination_is_refused_before_anything_is_written(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert main(["backup", ""]) == 2
    assert capsys.readouterr().err == (
        "rapport: DEST is empty: give a new file or a folder for the backup\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["set-password", "reset-mfa"])
def test_an_empty_email_is_named_as_such(command, capsys, clinic):
    assert main([command, "--email", " "]) == 2
    assert capsys.readouterr().err == "rapport: --email is empty: give the staff member's email\n"


@pytest.mark.django_db
def test_without_a_terminal_the_password_is_not_read_echoed_from_standard_input(
    monkeypatch, capsys, clinic
):
    """getpass without a terminal warns over several lines and reads standard input with
    echo: the command refuses in one line instead."""
    import getpass
    import io

    def no_terminal(prompt="Password: ", stream=None):
        return getpass.fallback_getpass(prompt, io.StringIO())

    monkeypatch.delenv("RAPPORT_NEW_USER_PASSWORD", raising=False)
    monkeypatch.setattr(getpass, "getpass", no_terminal)
    monkeypatch.setattr("sys.stdin", io.StringIO("typed-where-everyone-sees-it\n"))
    assert main(["createuser", "--email", "new@test.invalid", "--role", "therapist"]) == 2
    err = capsys.readouterr().err
    assert (
        err == "rapport: no password given: set RAPPORT_NEW_USER_PASSWORD or run it in a terminal\n"
    )


def test_a_quiet_backup_prints_nothing_when_it_is_made(tmp_path):
    """The daily cron line (docs/operations.md) uses --quiet: cron mails any output, so a
    backup that says it is done would mail every day and hide the one that failed."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("RAPPORT_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(RAPPORT_DEBUG="1", RAPPORT_DATA_DIR=str(tmp_path / "data"))

    def rapport(*args: str):
        return subprocess.run(
            [sys.executable, "-m", "rapport.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )

    migrated = rapport("migrate", "-v", "0")
    assert migrated.returncode == 0, migrated.stderr
    (tmp_path / "backups").mkdir()
    quiet = rapport("backup", "--quiet", str(tmp_path / "backups" / "quiet.sqlite3"))
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert (tmp_path / "backups" / "quiet.sqlite3").stat().st_size > 0
    told = rapport("backup", str(tmp_path / "backups" / "told.sqlite3"))
    assert told.returncode == 0, told.stderr
    assert told.stdout.startswith("Backed up the database to ")
