"""Reads of measure data. Client-scoped reads take an already-scoped client (from
``rapport.clinic.selectors.get_client_for_user``) or the requesting user."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.http import Http404

from rapport.clinic.selectors import clients_for
from rapport.core.panels import memoized
from rapport.core.people import name_with_role, role_word
from rapport.measures.definitions import Instrument
from rapport.measures.models import FOLLOWED_UP_RISK, OPEN_RISK, ClinicWording, Response
from rapport.measures.registry import all_instruments, get_instrument
from rapport.measures.wording import apply_wording

__all__ = [
    "InstrumentStatus",
    "RiskFollowUpByOther",
    "clients_with_unreviewed_risk",
    "followed_up_risk_responses",
    "get_response_for_user",
    "instrument_for_clinic",
    "instrument_statuses",
    "responses_by_instrument",
    "responses_for_client",
    "risk_follow_ups_by_others",
    "text_answers",
    "text_answers_of",
    "unreviewed_risk_responses",
]


def _wording(stored: ClinicWording) -> dict:
    data = dict(stored.wording)
    data["anchors"] = {
        key: {int(value): label for value, label in labels.items()}
        for key, labels in data.get("anchors", {}).items()
    }
    return data


def instrument_for_clinic(clinic, instrument_id: str) -> Instrument:
    """The instrument as this clinic shows it: with its licensed wording applied, if loaded.

    Raises :class:`~rapport.measures.errors.InstrumentNotFound` for an unknown id. A licensed
    instrument without the clinic's wording comes back with ``sendable`` False.
    """
    instrument = get_instrument(instrument_id)
    stored = ClinicWording.objects.filter(clinic=clinic, instrument_id=instrument.id).first()
    if stored is None or stored.version != instrument.version:
        return instrument
    return apply_wording(instrument, _wording(stored))


@dataclass(frozen=True)
class InstrumentStatus:
    instrument: Instrument
    wording: ClinicWording | None

    @property
    def sendable(self) -> bool:
        return not self.instrument.requires_licensed_wording or (
            self.wording is not None and self.wording.version == self.instrument.version
        )


def instrument_statuses(clinic) -> list[InstrumentStatus]:
    """Every registered instrument, with the clinic wording (if any) and whether it is sendable."""
    wordings = {w.instrument_id: w for w in ClinicWording.objects.filter(clinic=clinic)}
    return [InstrumentStatus(i, wordings.get(i.id)) for i in all_instruments()]


def get_response_for_user(user, response_id) -> Response:
    try:
        return Response.objects.select_related("client").get(
            pk=int(response_id), client__in=clients_for(user)
        )
    except (Response.DoesNotExist, ValueError, TypeError):
        raise Http404("No such response") from None


def responses_for_client(client, *, instrument_id: str | None = None) -> list[Response]:
    """An already-scoped client's responses, oldest first."""
    responses = Response.objects.filter(client=client)
    if instrument_id is not None:
        responses = responses.filter(instrument_id=instrument_id)
    return list(responses.order_by("administered_at", "pk"))


#: The encrypted columns ``responses_by_instrument`` leaves unread: every row would be
#: decrypted for a table that shows neither (two decryptions a row were a third of the
#: client page's reading time for a long history). ``text_answers_of`` reads the free text
#: of the few answers whose comments are shown.
_NOT_IN_TABLES = ("text_answers", "risk_review_note")


def responses_by_instrument(client) -> dict[str, list[Response]]:
    """An already-scoped client's responses by instrument, oldest first, for tables and
    charts: without their free text (``text_answers_of`` reads it) or follow-up note
    (``followed_up_risk_responses``). Read once per client page view."""

    def read() -> dict[str, list[Response]]:
        grouped: dict[str, list[Response]] = defaultdict(list)
        rows = Response.objects.filter(client=client).defer(*_NOT_IN_TABLES)
        for response in rows.order_by("administered_at", "pk"):
            grouped[response.instrument_id].append(response)
        return dict(grouped)

    return memoized(("responses-by-instrument", client.pk), read)


def text_answers(response: Response) -> dict[str, str]:
    """Decrypted free-text answers; only call for clients the requesting user may see."""
    if not response.text_answers:
        return {}
    return json.loads(response.text_answers)


def text_answers_of(responses) -> dict[int, dict[str, str]]:
    """The decrypted free-text answers of these responses (of clients the requesting user
    may see) by pk, in one query, whether or not their own rows hold the text."""
    pks = [r.pk for r in responses]
    if not pks:
        return {}
    rows = Response.objects.filter(pk__in=pks).values_list("pk", "text_answers")
    return {pk: json.loads(text) if text else {} for pk, text in rows}


# The risk reads below filter with the conditions of the partial indexes they use
# (``OPEN_RISK``, ``FOLLOWED_UP_RISK``, see ``Response.Meta.indexes``): SQLite and
# PostgreSQL use a partial index only for a query that states its condition, and then read
# the clients' few risk answers instead of every response they ever gave.


def unreviewed_risk_responses(client) -> list[Response]:
    """An already-scoped client's risk answers nobody has followed up, latest first (the
    client page's risk notice and monitoring section both ask: read once a page view)."""
    return memoized(
        ("unreviewed-risk", client.pk),
        lambda: [
            r
            for r in Response.objects.filter(OPEN_RISK, client=client).order_by(
                "-administered_at", "-pk"
            )
            if r.risk_flags
        ],
    )


def followed_up_risk_responses(client) -> list[Response]:
    """An already-scoped client's followed-up risk answers, the latest follow-up first, with
    who recorded each (their note decrypts on read: only for users who may see the client)."""
    return [
        r
        for r in Response.objects.filter(FOLLOWED_UP_RISK, client=client)
        .select_related("risk_reviewed_by")
        .order_by("-risk_reviewed_at", "-pk")
        if r.risk_flags
    ]


def clients_with_unreviewed_risk(user) -> set[int]:
    """Ids of the user's clients with a risk answer nobody has followed up yet."""
    rows = (
        Response.objects.filter(OPEN_RISK, client__in=clients_for(user))
        .order_by()  # a set: no sort
        .values_list("client_id", "risk_flags")
    )
    return {client_id for client_id, flags in rows if flags}


# How long the caseload names a risk answer's follow-up recorded by someone other than
# the client's therapist: a week covers the sessions until the therapist sees the client
# again, and the client page keeps the full record after that.
FOLLOW_UP_NOTE_DAYS = 7


@dataclass(frozen=True)
class RiskFollowUpByOther:
    """Who followed up a client's risk answer, and when, when it was not their therapist."""

    response_id: int
    on: datetime
    # The name and role of the account that recorded it ("" when it was removed since).
    by: str
    role: str
    # How the caseload names them: "Morgan Lee (supervisor)", "Morgan Lee (you)".
    by_with_role: str


def risk_follow_ups_by_others(user, *, now: datetime) -> dict[int, RiskFollowUpByOther]:
    """The user's clients (ids) whose latest risk answer follow-up of the last
    :data:`FOLLOW_UP_NOTE_DAYS` days was recorded by someone other than their current
    therapist (a supervisor, say), with who and when: otherwise the therapist learns of it
    only by opening the client's page. One query whatever the number of clients (the
    caseload's queries are fixed in number); the follow-up notes are not read.
    """
    rows = (
        Response.objects.filter(
            FOLLOWED_UP_RISK,
            client__in=clients_for(user),
            risk_reviewed_at__gt=now - timedelta(days=FOLLOW_UP_NOTE_DAYS),
            risk_reviewed_at__lte=now,
        )
        .select_related("client", "risk_reviewed_by")
        # Neither the note nor anything else encrypted: they are not shown here.
        .only(
            "client__therapist_id",
            "risk_flags",
            "risk_reviewed_at",
            "risk_reviewed_by__full_name",
            "risk_reviewed_by__email",
            "risk_reviewed_by__role",
        )
        .order_by("client_id", "-risk_reviewed_at", "-pk")
    )
    latest: dict[int, Response] = {}
    for response in rows:
        if response.risk_flags:
            latest.setdefault(response.client_id, response)
    return {
        client_id: _follow_up_by(response, viewer=user)
        for client_id, response in latest.items()
        if response.risk_reviewed_by_id != response.client.therapist_id
    }


def _follow_up_by(response: Response, *, viewer) -> RiskFollowUpByOther:
    person = response.risk_reviewed_by
    assert response.risk_reviewed_at is not None  # filtered on
    return RiskFollowUpByOther(
        response_id=response.pk,
        on=response.risk_reviewed_at,
        by=str(person) if person is not None else "",
        role=role_word(person) if person is not None else "",
        by_with_role=name_with_role(person, viewer=viewer),
    )
