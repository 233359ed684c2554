"""The per-account ceiling on failed logins is read from the environment and checked like
the other limits: one line naming the variable, never a 500 at the first failed login."""

from __future__ import annotations

import pytest
from allauth.core.internal.ratelimit import parse_rates
from tests.core.test_settings import assert_one_line_naming, good_env, run_rapport

from rapport.lib.env import ConfigError, check_account_rate_limits


@pytest.mark.parametrize("value", ["30/1h/key", "30/h/key,200/1d/key", " 50/2h/key "])
def test_per_account_rates_are_accepted_and_allauth_reads_them(value):
    assert {rate.per for rate in parse_rates(check_account_rate_limits(value))} == {"key"}


@pytest.mark.parametrize("value", ["30/1h", "30/1h/ip", "30/1h/user", "garbage", "0/1h/key"])
def test_a_per_account_rate_must_count_per_key(value):
    # Left out, allauth counts per address: that would be no per-account ceiling at all.
    with pytest.raises(ConfigError, match="^RAPPORT_LOGIN_FAILED_ACCOUNT_LIMIT: "):
        check_account_rate_limits(value)


def test_start_up_refuses_a_per_account_limit_counted_per_address(tmp_path):
    result = run_rapport(
        "migrate", **good_env(tmp_path, RAPPORT_LOGIN_FAILED_ACCOUNT_LIMIT="30/1h/ip")
    )
    assert_one_line_naming(result, "RAPPORT_LOGIN_FAILED_ACCOUNT_LIMIT")


def test_the_ceiling_is_thirty_failures_an_hour_per_account_by_default(settings):
    assert settings.ACCOUNT_RATE_LIMITS["login_failed_account"] == "30/1h/key"
    assert settings.ACCOUNT_RATE_LIMITS["login_failed"] == "5/5m/key,10/1h/key,20/5m/ip"
