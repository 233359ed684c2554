"""`rapport createuser` makes an account with a password the operator typed: like a
password an admin sets (and `rapport set-password`), its owner must choose their own at
their first sign-in, since whoever typed it knows it. `--own` (the first admin making their
own account) keeps it, as `rapport set-password --own` does."""

from __future__ import annotations

import pytest

from rapport.accounts.models import User
from rapport.cli import main

pytestmark = pytest.mark.django_db

TYPED = "typed-by-the-operator-42"
CHANGE = "/accounts/password/change/"


def _createuser(monkeypatch, *extra: str) -> None:
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", TYPED)
    assert main(["createuser", "--email", "New.Person@Test.invalid", *extra]) == 0


def _sign_in(client):
    return client.post(
        "/accounts/login/", {"login": "new.person@test.invalid", "password": TYPED}, follow=True
    )


def test_an_account_made_for_someone_else_asks_for_their_own_password_at_first_sign_in(
    monkeypatch, capsys, client, clinic
):
    _createuser(monkeypatch, "--role", "therapist", "--name", "Pat Example")
    assert capsys.readouterr().out == (
        "Created therapist new.person@test.invalid in Test Clinic; they will be asked to "
        "choose a new password at their first sign-in.\n"
    )
    user = User.objects.get(email="new.person@test.invalid")
    assert user.must_change_password and user.check_password(TYPED)

    response = _sign_in(client)
    assert response.redirect_chain[-1][0] == CHANGE
    page = response.content.decode()
    assert "<h1>Change password</h1>" in page
    assert "choose your own" in page
    # Made at the command line, not by a clinic admin: the page says only what is true.
    assert "Your password was set for you by someone else: choose your own to go on." in page
    assert "Your current password was set for you by someone else, so they know it too." in page
    assert "clinic admin" not in page
    # Nothing else opens until they have.
    assert client.get("/caseload/")["Location"] == CHANGE


def test_with_own_the_operators_account_signs_in_straight_to_its_page(
    monkeypatch, capsys, client, clinic
):
    _createuser(monkeypatch, "--role", "admin", "--own")
    assert capsys.readouterr().out == ("Created admin new.person@test.invalid in Test Clinic.\n")
    assert not User.objects.get(email="new.person@test.invalid").must_change_password

    response = _sign_in(client)
    assert [url for url, _status in response.redirect_chain] == ["/manage/users/"]
    assert "choose your own" not in response.content.decode()
