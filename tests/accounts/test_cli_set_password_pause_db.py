"""``rapport set-password`` lifts the account's pause on signing in after too many wrong
passwords, as an admin's "Set a temporary password" on the web does (the same service,
``accounts.services.sign_in_pause_clear``): the colleague who asked can sign in with the
new password at once, from wherever they are."""

from __future__ import annotations

import pytest
from tests.accounts._helpers import THROTTLED, sign_in, signed_in
from tests.conftest import PASSWORD

from rapport.cli import main

NEW_PASSWORD = "a-new-long-enough-passphrase"
LIFTED = (
    "Their sign-in was paused after too many wrong passwords: the pause is lifted, so they "
    "can sign in now."
)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("base_url", "host"),
    [("https://rapport.example.org", "rapport.example.org"), ("http://127.0.0.1:8101", None)],
)
def test_set_password_lifts_the_accounts_pause_on_signing_in(
    client, therapist_a, settings, monkeypatch, capsys, base_url, host
):
    host = host or base_url.removeprefix("http://")
    settings.BASE_URL = base_url
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "rapport.example.org"]
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "3/1h/key",
    }
    # Wrong passwords from three places: the account is paused everywhere, even for the
    # right password from a fourth.
    for n in range(3):
        sign_in(client, therapist_a.email, "wrong-password", f"198.51.100.{n}", host)
    paused = sign_in(client, therapist_a.email, PASSWORD, "10.9.9.9", host)
    assert THROTTLED in paused.content.decode()

    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", NEW_PASSWORD)
    assert main(["set-password", "--email", therapist_a.email]) == 0
    out = capsys.readouterr().out
    assert f"Set a new password for {therapist_a.email}" in out
    assert LIFTED in out

    response = sign_in(client, therapist_a.email, NEW_PASSWORD, "10.9.9.9", host)
    assert THROTTLED not in response.content.decode()
    assert signed_in(client, response)
    # The password was set for them: they choose their own first.
    assert client.get("/caseload/")["Location"] == "/accounts/password/change/"


@pytest.mark.django_db
def test_set_password_works_when_the_base_urls_host_is_not_served(
    client, therapist_a, settings, monkeypatch, capsys
):
    """RAPPORT_BASE_URL's host outside RAPPORT_ALLOWED_HOSTS (every command warns of it):
    the password is still set, and nothing is paused under a host nobody signs in at."""
    settings.BASE_URL = "https://not-served.example.org"
    monkeypatch.setenv("RAPPORT_NEW_USER_PASSWORD", NEW_PASSWORD)
    assert main(["set-password", "--email", therapist_a.email]) == 0
    assert LIFTED not in capsys.readouterr().out  # nothing was paused
    therapist_a.refresh_from_db()
    assert therapist_a.check_password(NEW_PASSWORD)


def _pause_everywhere(client, user, settings) -> None:
    """Wrong passwords from three places past a ceiling of three: paused everywhere."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "3/1h/key",
    }
    for n in range(3):
        sign_in(client, user.email, "wrong-password", f"198.51.100.{n}")
    assert THROTTLED in sign_in(client, user.email, PASSWORD, "10.9.9.9").content.decode()


@pytest.mark.django_db
def test_lifting_the_pause_says_whether_there_was_one(client, therapist_a, settings):
    """What the command and the admin's page can tell the colleague: "you can sign in
    again now" only when a pause was in fact lifted."""
    from rapport.accounts.services import sign_in_pause_clear

    assert sign_in_pause_clear(user=therapist_a) is False  # nothing to lift
    _pause_everywhere(client, therapist_a, settings)
    assert sign_in_pause_clear(user=therapist_a) is True
    # Lifted: asking again finds nothing, and the account signs in.
    assert sign_in_pause_clear(user=therapist_a) is False
    assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, "10.9.9.9"))


@pytest.mark.django_db
def test_a_few_wrong_passwords_are_no_pause(client, therapist_a, settings):
    for n in range(2):
        sign_in(client, therapist_a.email, "wrong-password", f"198.51.100.{n}")
    from rapport.accounts.services import sign_in_pause_clear

    assert sign_in_pause_clear(user=therapist_a) is False


@pytest.mark.django_db
def test_a_pause_at_the_admins_address_is_said_to_be_lifted(client, therapist_a, rf):
    """On the web the counts at the admin's address go too (often the colleague's, in a
    clinic): five wrong passwords from there pause the account there."""
    from rapport.accounts.services import sign_in_pause_clear

    for _ in range(5):
        sign_in(client, therapist_a.email, "wrong-password", "203.0.113.5")
    assert THROTTLED in sign_in(client, therapist_a.email, PASSWORD, "203.0.113.5").content.decode()
    admins_request = rf.post("/manage/users/1/password/", REMOTE_ADDR="203.0.113.5")
    assert sign_in_pause_clear(user=therapist_a, request=admins_request) is True
    assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, "203.0.113.5"))
