"""``rapport token``: personal access tokens for the REST API."""

from __future__ import annotations

import argparse

from rapport.cli import CommandError, _check_database, _setup_django, register

__all__ = ["add_commands"]


def _user(email: str):
    from rapport.accounts.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise CommandError(f"no user with email {email}")
    return user


def cmd_token_create(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from django.core.exceptions import ValidationError

    from rapport.api.services import api_token_create

    try:
        token, raw = api_token_create(actor=None, user=_user(args.email), name=args.name)
    except ValidationError as error:
        raise CommandError("; ".join(error.messages)) from None
    print(raw)
    print(
        f"Token {token.prefix}… for {token.user.email}. It is shown only now: store it safely.",
        flush=True,
    )


def cmd_token_list(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from rapport.api.models import ApiToken

    for token in ApiToken.objects.filter(user=_user(args.email)):
        state = "revoked" if token.revoked_at else "active"
        used = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "never"
        print(f"{token.prefix}…  {state:<8} last used {used}  {token.name}")


#: "rpt_" and a few characters: enough to tell one's tokens apart, never an empty prefix
#: that would match (and revoke) whichever token happens to be the only one.
MIN_PREFIX = 8
PREFIX_LENGTH = 12  # what ApiToken.prefix keeps


def cmd_token_revoke(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from rapport.api.models import ApiToken
    from rapport.api.services import api_token_revoke
    from rapport.api.tokens import hash_token

    given = args.prefix.strip().rstrip("…")
    active = ApiToken.objects.filter(revoked_at__isnull=True)
    # A whole token (pasted from where it leaked) is matched by its fingerprint; a start
    # of one by the stored prefix, which must be long enough to name one token.
    matches = list(active.filter(token_hash=hash_token(given)))
    if not matches:
        if len(given) < MIN_PREFIX:
            raise CommandError(f"give at least {MIN_PREFIX} characters of the token")
        matches = list(active.filter(prefix__startswith=given[:PREFIX_LENGTH]))
    if len(matches) != 1:
        raise CommandError(
            f"{len(matches)} active tokens start with {given[:12]!r}; give more of it"
        )
    api_token_revoke(actor=None, token=matches[0])
    print(f"Revoked {matches[0].prefix}….")


def add_commands(sub: argparse._SubParsersAction) -> None:
    token = sub.add_parser("token", help="create, list or revoke API access tokens")
    actions = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="create a token for a user and print it once (it acts as that user)"
    )
    create.add_argument("--email", required=True, help="the staff user the token acts as")
    create.add_argument("--name", default="", help="what the token is for")
    create.set_defaults(handler=cmd_token_create)
    listing = actions.add_parser("list", help="list a user's tokens")
    listing.add_argument("--email", required=True)
    listing.set_defaults(handler=cmd_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its prefix")
    revoke.add_argument(
        "--prefix", required=True, help="the token, or its start as listed, e.g. rpt_AbC12xy"
    )
    revoke.set_defaults(handler=cmd_token_revoke)


register(add_commands)
