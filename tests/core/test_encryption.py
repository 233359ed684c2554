from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from tests.conftest import CANARY

from rapport.cli import main
from rapport.clinic.models import Client, Goal
from rapport.core.fields import _keyring_for
from rapport.core.rotation import RotationError, rotate_all
from rapport.lib.crypto import CryptoError, KeyRing, generate_key


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_free_text_is_not_stored_in_plaintext(client_a):
    goal = Goal.objects.get(episode__client=client_a)
    for table, column, pk, plaintext in [
        ("clinic_goal", "text", goal.pk, goal.text),
        ("clinic_client", "display_name", client_a.pk, client_a.display_name),
        ("clinic_client", "email", client_a.pk, client_a.email),
    ]:
        stored = raw_column(table, column, pk)
        assert plaintext not in stored
        assert stored.startswith("enc1:")
    assert Goal.objects.get(pk=goal.pk).text.endswith("goal in own words")


@pytest.mark.django_db
def test_rotation_re_encrypts_with_the_newest_key_and_old_keys_still_read(settings, client_a):
    old_keys = list(settings.ENCRYPTION_KEYS)
    new_key = generate_key()
    with override_settings(ENCRYPTION_KEYS=[new_key, *old_keys]):
        _keyring_for.cache_clear()
        counts = rotate_all()
        assert counts["clinic.Client"] >= 1
        stored = raw_column("clinic_client", "display_name", client_a.pk)
        assert KeyRing([new_key]).decrypt(stored) == client_a.display_name
    # After rotation the data no longer depends on the old keys.
    with override_settings(ENCRYPTION_KEYS=[new_key]):
        _keyring_for.cache_clear()
        assert Client.objects.get(pk=client_a.pk).display_name == client_a.display_name
    _keyring_for.cache_clear()


def test_a_value_from_an_unknown_key_fails_loudly():
    stored = KeyRing([generate_key()]).encrypt("hello")
    with pytest.raises(CryptoError, match="cannot be decrypted"):
        KeyRing([generate_key()]).decrypt(stored)


def test_a_malformed_key_is_rejected_with_a_clear_message():
    with pytest.raises(CryptoError, match="malformed"):
        KeyRing(["not-a-key"])


@pytest.mark.django_db
def test_rotation_without_the_old_key_stops_clearly_and_changes_nothing(capsys, client_a):
    before = raw_column("clinic_client", "display_name", client_a.pk)
    goal = Goal.objects.get(episode__client=client_a)
    goal_before = raw_column("clinic_goal", "text", goal.pk)
    # The operator put a new key in the list but dropped the old one too early.
    with override_settings(ENCRYPTION_KEYS=[generate_key()]):
        _keyring_for.cache_clear()
        with pytest.raises(RotationError, match="keep the old key in the list") as raised:
            rotate_all()
        assert "table clinic_" in str(raised.value)
        assert CANARY not in str(raised.value)
        assert main(["rotate-key"]) == 2
    _keyring_for.cache_clear()
    err = capsys.readouterr().err
    assert err.startswith("rapport: a value in table ") and err.count("\n") == 1
    assert "Traceback" not in err
    assert raw_column("clinic_client", "display_name", client_a.pk) == before
    assert raw_column("clinic_goal", "text", goal.pk) == goal_before
    from rapport.audit.models import AuditEvent

    assert not AuditEvent.objects.filter(target="encryption-key-rotation").exists()


@pytest.mark.django_db
def test_the_rotate_key_command_is_in_the_audit_log(settings, capsys, client_a):
    from rapport.audit.models import AuditEvent

    with override_settings(ENCRYPTION_KEYS=[generate_key(), *settings.ENCRYPTION_KEYS]):
        _keyring_for.cache_clear()
        assert main(["rotate-key"]) == 0
    _keyring_for.cache_clear()
    assert "clinic.Client: " in capsys.readouterr().out
    event = AuditEvent.objects.get(target="encryption-key-rotation")
    assert (event.actor_label, event.action, event.client_id) == ("cli", "update", None)
