"""Failed logins are throttled per account at one address and per address, with a much
higher ceiling per account: a stranger's wrong passwords elsewhere never lock a clinician
out, and a guessing run spread over many addresses still stops (DESIGN §5)."""

from __future__ import annotations

import re

import pytest
from tests.accounts._helpers import THROTTLED, sign_in, signed_in
from tests.conftest import PASSWORD


def _fail(client, email, address, times=5):
    for _ in range(times):
        response = sign_in(client, email, "wrong-password", address)
        assert THROTTLED not in response.content.decode()


@pytest.mark.django_db
def test_failures_from_another_address_do_not_lock_out_the_right_password_here(client, therapist_a):
    _fail(client, therapist_a.email, "127.0.0.2")
    assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, "127.0.0.1"))


@pytest.mark.django_db
def test_five_failures_from_one_address_throttle_that_address(client, therapist_a):
    _fail(client, therapist_a.email, "127.0.0.2")
    response = sign_in(client, therapist_a.email, PASSWORD, "127.0.0.2")
    assert not signed_in(client, response)
    assert THROTTLED in response.content.decode()


@pytest.mark.django_db
def test_many_accounts_tried_from_one_address_throttle_that_address(client, therapist_a):
    for n in range(4):
        _fail(client, f"nobody{n}@test.invalid", "127.0.0.2")
    response = sign_in(client, therapist_a.email, PASSWORD, "127.0.0.2")
    assert THROTTLED in response.content.decode()
    assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, "127.0.0.1"))


@pytest.mark.django_db
def test_the_throttle_does_not_tell_whether_the_account_exists(client, therapist_a):
    unknown = "no.such.person@test.invalid"
    _fail(client, therapist_a.email, "127.0.0.2")
    _fail(client, unknown, "127.0.0.2")  # a second address's worth: 10 of its 20
    known_page = sign_in(client, therapist_a.email, "wrong-password", "127.0.0.2")
    unknown_page = sign_in(client, unknown, "wrong-password", "127.0.0.2")
    assert known_page.status_code == unknown_page.status_code
    assert known_page.context["form"].errors == unknown_page.context["form"].errors
    assert THROTTLED in str(known_page.context["form"].errors)
    # The page differs only in the email the person typed (and the form's CSRF mask).
    assert _page_without(known_page, therapist_a.email) == _page_without(unknown_page, unknown)


def _page_without(response, email: str) -> str:
    page = response.content.decode().replace(email, "EMAIL")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", page)


@pytest.mark.django_db
def test_a_guessing_run_spread_over_many_addresses_meets_the_per_account_ceiling(
    client, therapist_a, therapist_b
):
    # 30 failures in the hour, no address over its own limit.
    for n in range(10):
        _fail(client, therapist_a.email, f"198.51.100.{n}", times=3)
    response = sign_in(client, therapist_a.email, PASSWORD, "127.0.0.1")
    assert not signed_in(client, response)
    assert THROTTLED in response.content.decode()
    # Only that account: a colleague at the same address signs in.
    assert signed_in(client, sign_in(client, therapist_b.email, PASSWORD, "127.0.0.1"))


@pytest.mark.django_db
def test_the_ceiling_refuses_without_counting_against_the_address(client, therapist_a, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "3/1h/key",
    }
    _fail(client, therapist_a.email, "198.51.100.1", times=3)
    # The person at their own address is refused while the ceiling holds ...
    for _ in range(6):
        refused = sign_in(client, therapist_a.email, PASSWORD, "127.0.0.1")
        assert THROTTLED in refused.content.decode()
    # ... and once it lifts, those refusals have not throttled their address.
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "30/1h/key",
    }
    assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, "127.0.0.1"))


@pytest.mark.django_db
def test_successful_logins_do_not_count_towards_the_ceiling(client, therapist_a, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_account": "2/1h/key",
    }
    for n in range(4):
        assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, f"10.0.0.{n}"))


@pytest.mark.django_db
def test_one_address_alone_cannot_reach_the_per_account_ceiling(client, therapist_a, monkeypatch):
    # One wrong password every two minutes for an hour stays under 5 per 5 minutes; the
    # hourly limit per account at one address (10) stops it well before the ceiling (30),
    # so the clinician still signs in from their own address.
    import time as real_time
    from types import SimpleNamespace

    from allauth.core.internal import ratelimit

    clock = {"now": real_time.time()}
    fake = SimpleNamespace(
        time=lambda: clock["now"], monotonic=real_time.monotonic, sleep=real_time.sleep
    )
    monkeypatch.setattr(ratelimit, "time", fake)
    throttled = 0
    for _ in range(30):
        page = sign_in(client, therapist_a.email, "wrong-password", "203.0.113.9")
        throttled += THROTTLED in page.content.decode()
        clock["now"] += 120
    assert throttled == 20  # the eleventh wrong password of the hour on was refused
    assert signed_in(client, sign_in(client, therapist_a.email, PASSWORD, "198.51.100.1"))
