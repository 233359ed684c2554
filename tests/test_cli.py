from __future__ import annotations

import sys

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
    assert event.actor_label == "system"


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
