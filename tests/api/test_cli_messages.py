"""What ``rapport token revoke`` says when the prefix names no token, or several."""

from __future__ import annotations

import pytest

from rapport.api.models import ApiToken
from rapport.api.services import api_token_create
from rapport.cli import main


@pytest.mark.django_db
def test_a_prefix_matching_no_token_says_so_in_full_and_how_to_list_them(therapist_a, capsys):
    api_token_create(actor=None, user=therapist_a)
    given = "rpt_zzzzzzzzzzzzzzzz"  # longer than the 12 characters a token's prefix keeps
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
