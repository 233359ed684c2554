"""A failed sign-in costs one Argon2 hash, not two (Django's ModelBackend listed beside
allauth's checked the password a second time), and costs it whether or not the account
exists: the time a refusal takes does not tell which emails are accounts."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from tests.conftest import PASSWORD

from rapport import settings as production


@pytest.fixture
def hashes(settings, monkeypatch, therapist_a):
    """Production's hashers, the account's password hashed with Argon2, and a count of
    every Argon2 computation from here on (checking a password, or hashing one)."""
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    therapist_a.set_password(PASSWORD)
    therapist_a.save()
    counted: list[str] = []
    for name in ("verify", "encode"):
        original = getattr(Argon2PasswordHasher, name)

        def counting(self, *args, _original=original, _name=name, **kwargs):
            counted.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Argon2PasswordHasher, name, counting)
    return counted


def _sign_in(client, email, password):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.mark.django_db
def test_a_wrong_password_is_checked_once(client, therapist_a, hashes):
    page = _sign_in(client, therapist_a.email, "not-the-password-at-all-77")
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    assert hashes == ["verify"]


@pytest.mark.django_db
def test_an_unknown_email_costs_one_hash_too(client, therapist_a, hashes):
    page = _sign_in(client, "no.such.person@test.invalid", "not-the-password-at-all-77")
    assert page.status_code == 200 and "_auth_user_id" not in client.session
    assert hashes == ["encode"]  # allauth hashes the typed password all the same


@pytest.mark.django_db
def test_the_right_password_still_signs_in_by_email_in_any_case(client, therapist_a, hashes):
    assert _sign_in(client, therapist_a.email.upper(), PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(therapist_a.pk)
    assert hashes == ["verify"]


def test_only_allauths_backend_is_listed():
    assert production.AUTHENTICATION_BACKENDS == [
        "allauth.account.auth_backends.AuthenticationBackend"
    ]
