"""``/healthz`` says 503 ``secret key mismatch`` when the process's RAPPORT_SECRET_KEY is not
the key the database was set up with (a backup restored with a new key): every page would
answer, but the check-in links clients hold, sessions and API cursors would fail quietly. It
names neither the key nor its fingerprint, and is checked once per process until it holds."""

from __future__ import annotations

import pytest

from rapport.core import health
from rapport.core.models import KeyFingerprint
from rapport.core.operations import SECRET_KEY_NAME, secret_key_fingerprint

OTHER_KEY = "another-machines-secret-key-0123456789-abcdefghij"


@pytest.fixture
def unchecked(monkeypatch):
    """A process that has not yet found its key to be the database's (migrations: held)."""
    monkeypatch.setattr(health, "_migrated", True)
    monkeypatch.setattr(health, "_secret_key_held", False, raising=False)


def _store(key: str | None) -> str:
    fingerprint = secret_key_fingerprint(key)
    KeyFingerprint.objects.update_or_create(
        name=SECRET_KEY_NAME, defaults={"fingerprint": fingerprint}
    )
    return fingerprint


@pytest.mark.django_db
def test_another_keys_fingerprint_is_503_naming_neither_key_nor_fingerprint(
    client, settings, unchecked
):
    stored = _store(OTHER_KEY)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content == b"secret key mismatch"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    for secret in (settings.SECRET_KEY, OTHER_KEY, stored, secret_key_fingerprint()):
        assert secret not in body and secret[:8] not in body
    # Asked again, it is still refused: a mismatch is checked on every probe.
    assert client.get("/healthz").status_code == 503
    assert health._secret_key_held is False


@pytest.mark.django_db
def test_this_keys_fingerprint_is_ok_and_not_checked_again(
    client, unchecked, django_assert_num_queries
):
    _store(None)
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert health._secret_key_held is True
    # Held for the rest of the process: the probe is back to its one cheap query.
    with django_assert_num_queries(1):
        assert client.get("/healthz").content == b"ok"


@pytest.mark.django_db
def test_no_fingerprint_stored_yet_is_ok(client, unchecked):
    assert not KeyFingerprint.objects.exists()
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db
def test_it_is_ok_again_once_the_right_key_is_recorded(client, unchecked):
    """After ``rapport migrate --new-secret-key`` (the key was changed on purpose)."""
    _store(OTHER_KEY)
    assert client.get("/healthz").status_code == 503
    _store(None)
    assert client.get("/healthz").content == b"ok"


@pytest.mark.django_db
def test_the_migration_check_still_comes_first(client, monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    monkeypatch.setattr(health, "_migrated", False)
    monkeypatch.setattr(health, "_secret_key_held", False, raising=False)
    _store(OTHER_KEY)
    MigrationRecorder.Migration.objects.filter(app="clinic").order_by("-name").first().delete()
    assert client.get("/healthz").content == b"database not migrated"
