"""``rapport token``: audited as the command line ("cli"), naming whose token it is, and a
list of every user's tokens for the operator's review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from rapport.api.models import ApiToken
from rapport.api.services import api_token_create, api_token_revoke
from rapport.audit.models import AuditEvent
from rapport.cli import main

FIXED = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_create_and_revoke_are_audited_as_the_command_line_naming_whose_token(therapist_a, capsys):
    assert main(["token", "create", "--email", therapist_a.email]) == 0
    raw = capsys.readouterr().out.splitlines()[0]
    token = ApiToken.objects.get()
    assert main(["token", "revoke", "--prefix", raw[:12]]) == 0
    events = AuditEvent.objects.filter(target__startswith="api-token:").order_by("pk")
    assert [(e.actor_label, e.action, e.target) for e in events] == [
        ("cli", "create", f"api-token:{token.pk}:user:{therapist_a.pk}"),
        ("cli", "update", f"api-token:{token.pk}:user:{therapist_a.pk}:revoked"),
    ]


@pytest.mark.django_db
def test_the_log_still_says_whose_token_after_the_user_is_deleted(therapist_a):
    token, _ = api_token_create(actor="cli", user=therapist_a)
    user_id, token_id = therapist_a.pk, token.pk
    therapist_a.delete()  # the token goes with the user
    assert not ApiToken.objects.exists()
    assert AuditEvent.objects.filter(target=f"api-token:{token_id}:user:{user_id}").exists()


@pytest.mark.django_db
def test_list_all_shows_every_users_tokens_and_never_a_token_itself(
    therapist_a, therapist_b, capsys, settings, monkeypatch
):
    settings.TIME_ZONE = "UTC"
    monkeypatch.setattr(timezone, "now", lambda: FIXED)
    used, used_raw = api_token_create(actor="cli", user=therapist_a, name="outcome export")
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=FIXED + timedelta(hours=2))
    gone, gone_raw = api_token_create(actor="cli", user=therapist_b, name="old laptop", days=30)
    api_token_revoke(actor="cli", token=gone)
    monkeypatch.setattr(timezone, "now", lambda: FIXED + timedelta(days=1))

    assert main(["token", "list", "--all"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == [
        "prefix",
        "user",
        "state",
        "created",
        "expires",
        "last",
        "used",
        "revoked",
        "name",
    ]
    row_a = next(line for line in lines if therapist_a.email in line)
    row_b = next(line for line in lines if therapist_b.email in line)
    assert row_a.split() == [
        f"{used.prefix}…", therapist_a.email, "active",
        "2027-03-01", "09:00", "2027-05-30", "09:00", "2027-03-01", "11:00", "-",
        "outcome", "export",
    ]  # fmt: skip
    assert row_b.split() == [
        f"{gone.prefix}…", therapist_b.email, "revoked",
        "2027-03-01", "09:00", "2027-03-31", "09:00", "never", "2027-03-01", "09:00",
        "old", "laptop",
    ]  # fmt: skip
    assert used_raw not in out and gone_raw not in out


@pytest.mark.django_db
def test_list_all_says_so_when_there_are_no_tokens(capsys):
    assert main(["token", "list", "--all"]) == 0
    assert capsys.readouterr().out == "No API tokens.\n"


@pytest.mark.django_db
def test_list_needs_an_email_or_all(capsys):
    with pytest.raises(SystemExit):
        main(["token", "list"])
    assert "one of the arguments --email --all is required" in capsys.readouterr().err
