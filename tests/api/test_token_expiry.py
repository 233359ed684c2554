"""Every API token expires: 90 days unless asked otherwise, at most a year; tokens made
before expiry existed were given 90 days from the upgrade. All on a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from rapport.api.models import ApiToken
from rapport.api.services import api_token_create
from rapport.cli import main

FIXED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def clock(monkeypatch):
    """timezone.now, fixed and movable: ``clock(days=…)`` moves it from FIXED."""

    def _set(**delta):
        monkeypatch.setattr(timezone, "now", lambda: FIXED + timedelta(**delta))

    _set()
    return _set


@pytest.mark.django_db
def test_a_token_works_until_its_expiry_and_is_401_from_then_on(client, therapist_a, clock):
    _, raw = api_token_create(actor="cli", user=therapist_a, days=30)
    path = f"/api/v1/clients/{therapist_a.pk}/responses"  # any path: auth comes first
    clock(days=29, hours=23, minutes=59)
    assert client.get(path, **bearer(raw)).status_code != 401
    clock(days=30)
    assert client.get(path, **bearer(raw)).status_code == 401


@pytest.mark.django_db
def test_a_token_lasts_90_days_unless_asked_otherwise(therapist_a, clock):
    token, _ = api_token_create(actor="cli", user=therapist_a)
    assert token.expires_at == FIXED + timedelta(days=90)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [0, -5, 366])
def test_a_life_outside_one_day_to_a_year_is_refused_and_nothing_made(therapist_a, days, capsys):
    code = main(["token", "create", "--email", therapist_a.email, "--days", str(days)])
    assert code == 2
    assert f"A token can last from 1 to 365 days; {days} is outside that." in (
        capsys.readouterr().err
    )
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_create_command_takes_days_and_says_until_when(therapist_a, clock, capsys, settings):
    settings.TIME_ZONE = "UTC"
    assert main(["token", "create", "--email", therapist_a.email, "--days", "365"]) == 0
    assert ApiToken.objects.get().expires_at == FIXED + timedelta(days=365)
    assert "valid until 2028-02-29 09:00" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_list_shows_each_tokens_expiry_and_which_have_expired(
    therapist_a, clock, capsys, settings
):
    settings.TIME_ZONE = "UTC"
    api_token_create(actor="cli", user=therapist_a, name="pilot-export", days=10)
    api_token_create(actor="cli", user=therapist_a, name="study-export", days=60)
    clock(days=20)
    assert main(["token", "list", "--email", therapist_a.email]) == 0
    lines = {line.split()[-1]: line for line in capsys.readouterr().out.splitlines()}
    assert (
        "expired" in lines["pilot-export"] and "expires 2027-03-11 09:00" in lines["pilot-export"]
    )
    assert "active" in lines["study-export"] and "expires 2027-04-30 09:00" in lines["study-export"]


@pytest.mark.django_db(transaction=True)
def test_tokens_made_before_expiry_existed_get_90_days_from_the_upgrade(therapist_a):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("api", "0001_initial")])
    old_state = executor.loader.project_state([("api", "0001_initial")])
    OldToken = old_state.apps.get_model("api", "ApiToken")
    old = OldToken.objects.create(
        user_id=therapist_a.pk, token_hash="a" * 64, prefix="rpt_before01"
    )

    before = timezone.now()
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    after = timezone.now()

    expires_at = ApiToken.objects.get(pk=old.pk).expires_at
    assert before + timedelta(days=90) <= expires_at <= after + timedelta(days=90)


@pytest.mark.django_db
def test_an_expired_token_is_told_when_it_expired_and_a_wrong_one_is_not(
    client, therapist_a, clock
):
    _, raw = api_token_create(actor="cli", user=therapist_a, days=30)
    path = f"/api/v1/clients/{therapist_a.pk}/responses"
    clock(days=31)
    expired = client.get(path, **bearer(raw))
    assert expired.status_code == 401
    assert expired.json()["detail"].startswith("This token expired on 2027-03-31 09:00 UTC.")
    # One character off is just another unknown token: nothing said about any real one.
    wrong = client.get(path, **bearer(raw[:-1] + ("A" if raw[-1] != "A" else "B")))
    assert wrong.status_code == 401 and "expired" not in wrong.content.decode()
