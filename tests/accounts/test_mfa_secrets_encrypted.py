"""TOTP secrets and recovery-code seeds are stored encrypted with the clinic's keys: a copy
of the database alone does not hand out anyone's second factor (DESIGN §5)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.db import connection
from django.test import override_settings
from tests.conftest import PASSWORD

from rapport.accounts.mfa_adapter import encrypt_stored_mfa_secrets
from rapport.core.fields import _keyring_for
from rapport.lib.crypto import KeyRing, generate_key


def _code(secret: str, periods_ago: int = 0) -> str:
    """The authenticator app's code now, taken early in its period.

    allauth accepts the current period's code only (no tolerance): a code read in the last
    second of a period failed when the server checked it in the next, so wait those out.
    """
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(period - time.time() % period + 0.05)
    counter = int(time.time()) // period - periods_ago
    return format_hotp_value(hotp_value(secret, counter))


def _raw_data(authenticator_type: str, user) -> str:
    """The row as a database dump shows it, not through allauth's adapter."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data FROM mfa_authenticator WHERE type = %s AND user_id = %s",
            [authenticator_type, user.pk],
        )
        (data,) = cursor.fetchone()
    return data if isinstance(data, str) else json.dumps(data)


def _activate_totp(client, user) -> str:
    """Set up TOTP through allauth's pages, as a clinician does; returns the secret their
    authenticator app scanned."""
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def _sign_in_with_code(client, user, code: str | Callable[[], str]) -> bool:
    """Sign in with the password, then ``code`` (or the code ``code()`` gives then).

    A TOTP code is passed as a callable: read before the password step, which hashes with
    Argon2 and can take seconds on a busy machine, it could belong to a period already past.
    """
    client.logout()
    first = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert first.status_code == 302 and first["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session  # not in before the second factor
    client.post("/accounts/2fa/authenticate/", {"code": code() if callable(code) else code})
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_a_totp_secret_set_up_through_the_pages_is_stored_encrypted_and_signs_in(
    client, therapist_a
):
    secret = _activate_totp(client, therapist_a)
    stored = _raw_data("totp", therapist_a)
    assert secret not in stored
    assert json.loads(stored)["secret"].startswith("enc1:")
    assert _sign_in_with_code(client, therapist_a, lambda: _code(secret))


@pytest.mark.django_db
def test_the_recovery_codes_seed_is_stored_encrypted_and_its_codes_sign_in(client, therapist_a):
    _activate_totp(client, therapist_a)  # allauth makes recovery codes along with TOTP
    authenticator = Authenticator.objects.get(
        user=therapist_a, type=Authenticator.Type.RECOVERY_CODES
    )
    stored = json.loads(_raw_data("recovery_codes", therapist_a))
    assert stored["seed"].startswith("enc1:")
    codes = RecoveryCodes(authenticator).get_unused_codes()
    assert len(codes) == mfa_settings.RECOVERY_CODE_COUNT
    assert _sign_in_with_code(client, therapist_a, codes[0])


@pytest.mark.django_db
def test_a_secret_stored_in_plain_text_before_encryption_still_signs_in(client, therapist_a):
    secret = generate_totp_secret()
    seed = "ab" * 40
    Authenticator.objects.create(user=therapist_a, type="totp", data={"secret": secret})
    recovery = Authenticator.objects.create(
        user=therapist_a, type="recovery_codes", data={"seed": seed, "used_mask": 0}
    )
    assert _sign_in_with_code(client, therapist_a, lambda: _code(secret))
    code = RecoveryCodes(recovery).get_unused_codes()[0]
    assert _sign_in_with_code(client, therapist_a, code)


@pytest.mark.django_db
def test_stored_secrets_can_be_rewritten_under_the_newest_key(client, therapist_a, settings):
    secret = generate_totp_secret()
    Authenticator.objects.create(user=therapist_a, type="totp", data={"secret": secret})
    old_keys = list(settings.ENCRYPTION_KEYS)
    new_key = generate_key()
    try:
        # The plain-text secret of an older version is encrypted ...
        assert encrypt_stored_mfa_secrets() == 1
        assert secret not in _raw_data("totp", therapist_a)
        # ... and after a new key is added first, rewritten under it, so the old key can go.
        with override_settings(ENCRYPTION_KEYS=[new_key, *old_keys]):
            _keyring_for.cache_clear()
            assert encrypt_stored_mfa_secrets() == 1
        stored = json.loads(_raw_data("totp", therapist_a))["secret"]
        assert KeyRing([new_key]).decrypt(stored) == secret
        with override_settings(ENCRYPTION_KEYS=[new_key]):
            _keyring_for.cache_clear()
            assert _sign_in_with_code(client, therapist_a, lambda: _code(secret))
    finally:
        _keyring_for.cache_clear()


@pytest.mark.django_db
def test_rotate_key_rewrites_second_factor_secrets_too(client, therapist_a, settings, capsys):
    from rapport.cli import main

    secret = generate_totp_secret()
    Authenticator.objects.create(user=therapist_a, type="totp", data={"secret": secret})
    new_key = generate_key()
    try:
        with override_settings(ENCRYPTION_KEYS=[new_key, *settings.ENCRYPTION_KEYS]):
            _keyring_for.cache_clear()
            assert main(["rotate-key"]) == 0
        assert "MFA secrets (authenticators): 1" in capsys.readouterr().out
        # The old key retired, the therapist still signs in with their authenticator app.
        with override_settings(ENCRYPTION_KEYS=[new_key]):
            _keyring_for.cache_clear()
            assert _sign_in_with_code(client, therapist_a, lambda: _code(secret))
    finally:
        _keyring_for.cache_clear()


@pytest.mark.django_db
def test_rotate_key_stops_in_one_line_on_a_secret_no_key_opens(therapist_a, capsys):
    from rapport.cli import main

    foreign = KeyRing([generate_key()]).encrypt(generate_totp_secret())
    Authenticator.objects.create(user=therapist_a, type="totp", data={"secret": foreign})
    assert main(["rotate-key"]) == 2
    err = capsys.readouterr().err
    assert "second-factor secret" in err and err.count("\n") == 1 and "Traceback" not in err
    stored = json.loads(_raw_data("totp", therapist_a))["secret"]
    assert stored == foreign  # nothing re-encrypted
