"""What `rapport set-password` and `rapport createuser` say: a refused password's reasons
as sentences (not "...characters.; This password..."), and, from the command line where
the operator has no session of their own, that all the user's sessions ended."""

from __future__ import annotations

import pytest

from rapport.cli import main


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["set-password", "createuser"])
def test_a_refused_password_reads_as_sentences(capsys, monkeypatch, therapist_a, command):
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "password")
    email = therapist_a.email if command == "set-password" else "new.person@test.invalid"
    extra = ["--role", "therapist"] if command == "createuser" else []
    assert main([command, "--email", email, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rapport: This password is too short.")
    assert ". This password is too common." in err
    assert ".;" not in err and err.count("\n") == 1


@pytest.mark.django_db
def test_set_password_says_every_session_and_token_of_theirs_ended(
    capsys, monkeypatch, therapist_a
):
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", "a-long-enough-new-passphrase")
    assert main(["set-password", "--email", therapist_a.email]) == 0
    assert capsys.readouterr().out == (
        f"Set a new password for {therapist_a.email}; they must choose their own at their "
        "next sign-in; their signed-in sessions and API tokens have ended.\n"
    )
