"""Which clinic an audit row belongs to (``AuditEvent.clinic_id``), decided once, when the
row is written, so the clinic admin's page reads one indexed column instead of working
out, row by row over the whole log, whose it is.

The rule is the one the page applied before the column was kept (a row was a clinic's
if any held): the row's actor is one of the clinic's users; its client is one of the
clinic's clients; or the command line or the system ("cli", "system") acted on one of
the clinic's users (``user:2:password``, ``api-token:5:user:2:revoked``) or on the
clinic itself (``dropout-calibration:clinic:3``). Anything else (a key rotation, the
shipped guidance library, a check-in link's label on a user) is the installation's own
work: no clinic, shown to no clinic's admin.

Users and clients never change clinic in the app, so deciding it at write time gives
the rows the old rule gave, and keeps a row with the clinic it happened in whatever
happens to the person later. One row can hold only one clinic: where the parts disagree
(an actor of one clinic on another clinic's client, which no page allows), the actor's
clinic wins, as it does over whom an operator's target names.

The parsing of targets is plain Python; :func:`event_clinic_ids` asks the database only
when the actor alone does not settle it (at most one query for the clients, one for the
user a target names).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = [
    "CLIENT_LINK_LABEL",
    "OPERATOR_LABELS",
    "event_clinic_ids",
    "named_clinic_id",
    "subject_user_ref",
]

# Who acts without an account: the command line and the app's own scheduled work
# (audit.services._actor_fields). A check-in link's client is no such operator.
OPERATOR_LABELS = ("cli", "system")
CLIENT_LINK_LABEL = "client link"

_USER_PREFIX = "user:"
_API_PREFIX = "api-token:"
_OF_USER = ":user:"
# Each ":clinic:<ref>" part, up to the next colon or the end (overlapping ones too).
_CLINIC_PART = re.compile(r"(?=:clinic:([^:]*)(?::|$))")
_ID = re.compile(r"[1-9][0-9]*")


def subject_user_ref(target: str) -> str | None:
    """The id, as written, of the one user an event is about: ``user:<id>…`` (accounts:
    "user:2:deactivated") or ``api-token:<n>:user:<id>…`` (api: the token's user). Other
    targets that name users (a supervision link names two) have none."""
    if target.startswith(_USER_PREFIX):
        return target[len(_USER_PREFIX) :].split(":", 1)[0]
    if target.startswith(_API_PREFIX) and _OF_USER in target:
        return target.split(_OF_USER, 1)[1].split(":", 1)[0]
    return None


def as_id(ref: str | None) -> int | None:
    """A ref that is an id as the database writes one ("12", not "012" or "12a")."""
    return int(ref) if ref is not None and _ID.fullmatch(ref) else None


def named_clinic_id(target: str) -> int | None:
    """The clinic a target names as a part, e.g. "dropout-calibration:clinic:3" or
    "report:clinic:3:all" (the first, should one name two)."""
    for match in _CLINIC_PART.finditer(target):
        clinic_id = as_id(match.group(1))
        if clinic_id is not None:
            return clinic_id
    return None


def event_clinic_ids(
    *, actor, actor_label: str, target: str, client_ids: Sequence[int | None]
) -> list[int | None]:
    """The clinic of each row one write stores (one row per client id; ``[None]`` for a
    row without a client), by the rule in this module's docstring."""
    actor_clinic = _actor_clinic(actor, actor_label)
    if actor_clinic is not None:
        return [actor_clinic] * len(client_ids)
    clinics = _client_clinics([cid for cid in client_ids if cid is not None])
    shown = [clinics.get(cid) if cid is not None else None for cid in client_ids]
    if actor_label in OPERATOR_LABELS and None in shown:
        operator_clinic = _operator_clinic(target)
        shown = [clinic if clinic is not None else operator_clinic for clinic in shown]
    return shown


def _actor_clinic(actor, actor_label: str) -> int | None:
    if actor is not None:
        return actor.clinic_id
    if actor_label in (*OPERATOR_LABELS, CLIENT_LINK_LABEL) or "@" not in actor_label:
        return None
    # A label given as a string that is a user's email (no page writes one): the old rule
    # matched labels against the clinic's users' emails.
    from rapport.accounts.models import User

    return User.objects.filter(email=actor_label).values_list("clinic_id", flat=True).first()


def _client_clinics(client_ids: list[int]) -> dict[int, int]:
    if not client_ids:
        return {}
    from rapport.clinic.models import Client

    return dict(Client.objects.filter(pk__in=set(client_ids)).values_list("pk", "clinic_id"))


def _operator_clinic(target: str) -> int | None:
    user_id = as_id(subject_user_ref(target))
    if user_id is not None:
        from rapport.accounts.models import User

        clinic_id = User.objects.filter(pk=user_id).values_list("clinic_id", flat=True).first()
        if clinic_id is not None:
            return clinic_id
    clinic_id = named_clinic_id(target)
    if clinic_id is None:
        return None
    from rapport.clinic.models import Clinic

    # A number that is no clinic's is nobody's yet: the row stays the installation's.
    return clinic_id if Clinic.objects.filter(pk=clinic_id).exists() else None
