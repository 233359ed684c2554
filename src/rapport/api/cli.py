"""``rapport token``: personal access tokens for the REST API."""

from __future__ import annotations

import argparse

from rapport.api.tokens import DEFAULT_DAYS, MAX_DAYS
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
        token, raw = api_token_create(
            actor="cli", user=_user(args.email), name=args.name, days=args.days
        )
    except ValidationError as error:
        raise CommandError("; ".join(error.messages)) from None
    print(raw)
    print(
        f"Token {token.prefix}… for {token.user.email}, valid until {_when(token.expires_at)}. "
        "It is shown only now: store it safely.",
        flush=True,
    )


def _when(moment) -> str:
    """A moment in the clinic's time zone, to the minute (``2027-03-06 14:05``)."""
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _state(token, now) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= now else "active"


def cmd_token_list(args: argparse.Namespace) -> None:
    _setup_django()
    _check_database()
    from django.utils import timezone

    from rapport.api.models import ApiToken

    if args.all:
        _list_every_token(ApiToken.objects.select_related("user"), timezone.now())
        return
    now = timezone.now()
    for token in ApiToken.objects.filter(user=_user(args.email)):
        used = _when(token.last_used_at) if token.last_used_at else "never"
        print(
            f"{token.prefix}…  {_state(token, now):<8} expires {_when(token.expires_at)}  "
            f"last used {used}  {token.name}"
        )


def _list_every_token(tokens, now) -> None:
    """Every user's tokens, one a line: what an operator reviews (who can call the API,
    which tokens are still alive, which were never used)."""
    columns = ("prefix", "user", "state", "created", "expires", "last used", "revoked", "name")
    rows = [
        (
            f"{token.prefix}…",
            token.user.email,
            _state(token, now),
            _when(token.created_at),
            _when(token.expires_at),
            _when(token.last_used_at) if token.last_used_at else "never",
            _when(token.revoked_at) if token.revoked_at else "-",
            token.name,
        )
        for token in tokens.order_by("user__email", "-created_at", "-pk")
    ]
    if not rows:
        print("No API tokens.")
        return
    widths = [max(len(row[i]) for row in (columns, *rows)) for i in range(len(columns) - 1)]
    for row in (columns, *rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())


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
    if len(given) > PREFIX_LENGTH:
        # Only the first 12 characters are kept in the clear: a longer value can be checked
        # only as a whole token, by its fingerprint. A mistyped token must never revoke
        # whichever token shares its first 12 characters.
        token = ApiToken.objects.filter(token_hash=hash_token(given)).first()
        if token is None:
            raise CommandError(
                f"{given[:PREFIX_LENGTH]}… is longer than the {PREFIX_LENGTH} characters "
                "`rapport token list` shows, but it is not a whole token on record (a "
                "character mistyped or left out?): nothing was revoked. Paste the whole token "
                f"exactly, or give only its first {PREFIX_LENGTH} characters as listed"
            )
        if token.revoked_at is not None:
            print(f"Token {token.prefix}… was already revoked on {_when(token.revoked_at)}.")
            return
        matches = [token]
    else:
        if len(given) < MIN_PREFIX:
            raise CommandError(f"give at least {MIN_PREFIX} characters of the token")
        active = ApiToken.objects.filter(revoked_at__isnull=True)
        # Compared again in Python: on SQLite `startswith` is LIKE, which ignores case, and
        # tokens are case-sensitive (rpt_abc… is not rpt_AbC…).
        candidates = active.filter(prefix__startswith=given)
        matches = [token for token in candidates if token.prefix.startswith(given)]
    if not matches:
        raise CommandError(
            f"no active token starts with {given!r}: list the tokens with "
            "`rapport token list --all` (or --email EMAIL for one user's)"
        )
    if len(matches) > 1:
        raise CommandError(f"{len(matches)} active tokens start with {given!r}; give more of it")
    api_token_revoke(actor="cli", token=matches[0])
    print(f"Revoked {matches[0].prefix}….")


def add_commands(sub: argparse._SubParsersAction) -> None:
    token = sub.add_parser("token", help="create, list or revoke API access tokens")
    actions = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = actions.add_parser(
        "create", help="create a token for a user and print it once (it acts as that user)"
    )
    create.add_argument("--email", required=True, help="the staff user the token acts as")
    create.add_argument("--name", default="", help="what the token is for")
    create.add_argument(
        "--days",
        type=int,
        default=DEFAULT_DAYS,
        help=f"how many days the token works (default {DEFAULT_DAYS}, at most {MAX_DAYS})",
    )
    create.set_defaults(handler=cmd_token_create)
    listing = actions.add_parser("list", help="list a user's tokens, or every user's")
    whose = listing.add_mutually_exclusive_group(required=True)
    whose.add_argument("--email", help="the user whose tokens to list")
    whose.add_argument(
        "--all", action="store_true", help="every user's tokens, with their user's email"
    )
    listing.set_defaults(handler=cmd_token_list)
    revoke = actions.add_parser("revoke", help="revoke a token by its prefix")
    revoke.add_argument(
        "--prefix",
        required=True,
        help=f"the whole token, or its start as listed (at most {PREFIX_LENGTH} characters), "
        "e.g. rpt_AbC12xy",
    )
    revoke.set_defaults(handler=cmd_token_revoke)


register(add_commands)
