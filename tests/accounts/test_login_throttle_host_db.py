"""The failed sign-in counts name the account after RAPPORT_BASE_URL's host, not the
request's ``Host`` header: under a wildcard or a second allowed name (or another port,
which Django's host check ignores) a paused account could otherwise be tried afresh."""

from __future__ import annotations

import pytest
from tests.accounts._helpers import THROTTLED, sign_in
from tests.conftest import PASSWORD


@pytest.mark.django_db
@pytest.mark.parametrize("other_host", ["b.example.org", "a.example.org:1"])
def test_a_paused_account_stays_paused_under_another_host(
    client, therapist_a, settings, other_host
):
    settings.BASE_URL = "https://a.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".example.org"]
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "3/1h/key",
    }
    for n in range(3):
        sign_in(client, therapist_a.email, "wrong-password", f"198.51.100.{n}", "a.example.org")

    response = sign_in(client, therapist_a.email, PASSWORD, "10.9.9.9", other_host)

    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session
