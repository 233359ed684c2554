"""What ``rapport token revoke`` says when the prefix names no token, or several, or is
longer than the prefix kept but not a whole token."""

from __future__ import annotations

import pytest

from rapport.api.models import ApiToken
from rapport.api.services import api_token_create
from rapport.audit.models import AuditEvent
from rapport.cli import main


@pytest.mark.django_db
def test_a_prefix_matching_no_token_says_so_in_full_and_how_to_list_them(therapist_a, capsys):
    api_token_create(actor=None, user=therapist_a)
    given = "rpt_zzzzzzzz"  # the 12 characters a token's prefix keeps
    assert main(["token", "revoke", "--prefix", given]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"rapport: no active token starts with {given!r}: list the tokens with "
        "`rapport token list --all` (or --email EMAIL for one user's)\n"
    )
    assert "give more of it" not in err
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_prefix_matching_several_tokens_asks_for_more_of_it(therapist_a, capsys):
    for _ in range(2):
        api_token_create(actor=None, user=therapist_a)
    # Two tokens whose first characters happen to agree (rare with random tokens).
    ApiToken.objects.update(prefix="rpt_sameStar")  # the column holds 12
    assert main(["token", "revoke", "--prefix", "rpt_same"]) == 2
    err = capsys.readouterr().err
    assert err == "rapport: 2 active tokens start with 'rpt_same'; give more of it\n"
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.django_db
def test_a_prefix_in_the_wrong_case_revokes_nothing(therapist_a, capsys):
    """Tokens are case-sensitive; SQLite's LIKE (behind ``startswith``) is not."""
    token, _raw = api_token_create(actor=None, user=therapist_a)
    ApiToken.objects.filter(pk=token.pk).update(prefix="rpt_AbCdEfGh")
    assert main(["token", "revoke", "--prefix", "rpt_abcdefgh"]) == 2
    assert "no active token starts with 'rpt_abcdefgh'" in capsys.readouterr().err
    token.refresh_from_db()
    assert token.revoked_at is None


def _mistyped(raw: str) -> str:
    """``raw`` with its last character changed: the first 12 still those of the token."""
    return raw[:-1] + ("A" if raw[-1] != "A" else "B")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "given",
    [
        pytest.param(_mistyped, id="a mistyped whole token"),
        pytest.param(lambda raw: raw[:20], id="a start longer than the prefix"),
        pytest.param(lambda raw: raw + "x", id="the token with a character added"),
    ],
)
def test_a_value_longer_than_the_prefix_revokes_only_the_whole_token(therapist_a, capsys, given):
    token, raw = api_token_create(actor=None, user=therapist_a)
    wrong = given(raw)
    assert wrong[:12] == token.prefix and wrong != raw
    assert main(["token", "revoke", "--prefix", wrong]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"rapport: {token.prefix}… is longer than the 12 characters `rapport token list` "
        "shows, but it is not a whole token on record (a character mistyped or left out?): "
        "nothing was revoked. Paste the whole token exactly, or give only its first 12 "
        "characters as listed\n"
    )
    assert wrong not in err  # a near-copy of a secret is not echoed
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(target__endswith=":revoked").exists()


@pytest.mark.django_db
def test_the_whole_token_revokes_it_and_again_says_it_already_was(therapist_a, capsys):
    token, raw = api_token_create(actor=None, user=therapist_a)
    other, _ = api_token_create(actor=None, user=therapist_a)
    assert main(["token", "revoke", "--prefix", raw]) == 0
    assert capsys.readouterr().out == f"Revoked {token.prefix}….\n"
    token.refresh_from_db()
    other.refresh_from_db()
    assert token.revoked_at is not None and other.revoked_at is None
    assert main(["token", "revoke", "--prefix", raw]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Token {token.prefix}… was already revoked on ")
    assert AuditEvent.objects.filter(target__endswith=":revoked").count() == 1
