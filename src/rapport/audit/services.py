"""Writing the audit log. Every read and write of client data calls :func:`audit_record`.

Each row stores the clinic whose admin sees it (:mod:`rapport.audit.scope`), decided here,
once: the row is never changed afterwards.

A page that reads many kinds of record (the client page: the page and each panel, seven
rows) writes them in one INSERT inside :func:`audit_batch`: the reads are held until the
batch ends and written together, before the page is rendered, in the order they were
recorded. What is held and when it is written is in :func:`audit_batch`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import router, transaction

from rapport.audit.context import current_request_id
from rapport.audit.models import Action, AuditEvent
from rapport.audit.scope import event_clinic_ids
from rapport.core.http import client_ip
from rapport.lib.redact import redact_secret_paths

__all__ = [
    "Action",
    "audit_batch",
    "audit_page_view",
    "audit_record",
    "audit_record_each",
    "audit_record_many",
]


def _actor_fields(actor) -> dict:
    """A signed-in user, or a label for who else acted: "client link", "cli", "system"."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": actor.email}
    if actor == "client-link":
        return {"actor": None, "actor_label": "client link"}
    if isinstance(actor, str) and actor:
        return {"actor": None, "actor_label": actor[:254]}
    return {"actor": None, "actor_label": "system"}


def _target(target: str) -> str:
    """What the row names, cut to the column's length (100 characters), the same way for
    one row and for many: PostgreSQL would refuse a longer value (and the whole request's
    write with it), SQLite would store it whole, and the clinic the row is filed under is
    read from the stored target (rapport.audit.scope)."""
    return target[: AuditEvent._meta.get_field("target").max_length]


def _request_id() -> uuid.UUID:
    """The id of the request, command or run under way (rapport.audit.context). A call
    outside any (a service called from a shell or a test) is a unit of its own."""
    return current_request_id() or uuid.uuid4()


def audit_record(
    *, actor, action: str, target: str, client_id: int | None = None, request=None
) -> AuditEvent:
    fields = _actor_fields(actor)
    target = _target(target)
    [clinic_id] = event_clinic_ids(**fields, target=target, client_ids=[client_id])
    event = AuditEvent(
        **fields,
        action=action,
        target=target,
        client_id=client_id,
        clinic_id=clinic_id,
        ip_address=client_ip(request) if request is not None else None,
        path=_path(request),
        request_id=_request_id(),
    )
    _write([event])
    return event


def _path(request) -> str:
    """The request's path, without a check-in token or reset key: the audit log is kept
    for years and read by admins, and the token still opens a link until it is used."""
    return redact_secret_paths(request.path)[:300] if request is not None else ""


def audit_page_view(request, client_id: int) -> AuditEvent:
    """A page that shows a client's details is a read of client data (DESIGN §5), even a
    form: booking an appointment shows whose, editing an episode shows its referral. The
    target names the page (its URL name); the path names the object."""
    match = request.resolver_match
    page = match.url_name if match is not None and match.url_name else "unnamed"
    return audit_record(
        actor=request.user,
        action=Action.VIEW,
        target=f"page:{page}",
        client_id=client_id,
        request=request,
    )


def audit_record_many(
    *, actor, action: str, target: str, client_ids: Iterable[int], request=None
) -> None:
    """One row per client, in one query: e.g. a caseload shows many clients at once."""
    audit_record_each(
        actor=actor,
        action=action,
        rows=[(target, cid) for cid in client_ids],
        request=request,
    )


def audit_record_each(
    *, actor, action: str, rows: Iterable[tuple[str, int | None]], request=None
) -> None:
    """One row per ``(target, client_id)``, written together (one INSERT where the
    database allows): a page that shows many things at once, each with its own target
    (the referrals offered to someone, ``referral:<pk>``), writes the rows
    ``audit_record`` would write one by one, in the same order, with one request id."""
    base = _actor_fields(actor)
    rows = [(_target(target), cid) for target, cid in rows]
    if not rows:
        return
    ip = client_ip(request) if request is not None else None
    path = _path(request)
    request_id = _request_id()  # one for all the rows, even outside a request
    # The clinic each row is filed under, read once per target (audit.scope): for a
    # signed-in actor it is their clinic, with no query at all.
    positions: dict[str, list[int]] = {}
    for index, (target, _cid) in enumerate(rows):
        positions.setdefault(target, []).append(index)
    clinic_ids: list[int | None] = [None] * len(rows)
    for target, indexes in positions.items():
        found = event_clinic_ids(**base, target=target, client_ids=[rows[i][1] for i in indexes])
        for index, clinic_id in zip(indexes, found, strict=True):
            clinic_ids[index] = clinic_id
    _write(
        [
            AuditEvent(
                **base,
                action=action,
                target=target,
                client_id=cid,
                clinic_id=clinic_id,
                ip_address=ip,
                path=path,
                request_id=request_id,
            )
            for (target, cid), clinic_id in zip(rows, clinic_ids, strict=True)
        ]
    )


# -- one INSERT for a page's reads -------------------------------------------------------

#: The rows a batch may hold back: reads. A change's row is written at once (with the
#: reads held before it, to keep their order), as it was before batches: nothing that
#: changed the record waits on the rest of the page.
_READS = frozenset({Action.VIEW, Action.EXPORT})


@dataclass
class _Batch:
    #: The transactions open when the batch began (a test's, or none on a server): rows
    #: recorded at that level are the request's own, held and written at the end.
    depth: int
    held: list[AuditEvent] = field(default_factory=list)
    #: Held reads written inside a transaction opened since the batch began (a row recorded
    #: there must follow them): that transaction may yet be rolled back, and the reads,
    #: made before it, must outlive it. Checked when it is over (:func:`_settle`).
    unsettled: list[AuditEvent] = field(default_factory=list)


_batch: ContextVar[_Batch | None] = ContextVar("rapport_audit_batch", default=None)


def _depth() -> int:
    """How many atomic blocks are open on the audit log's database connection."""
    return len(transaction.get_connection(router.db_for_write(AuditEvent)).atomic_blocks)


@contextmanager
def audit_batch() -> Iterator[None]:
    """The reads recorded inside are written together when it ends, in one INSERT, in the
    order recorded, with the fields each would have had (``at`` is when they are written,
    in the same request, a few milliseconds later). The block is left however it ends, so
    a read made before an error is still recorded; a page wraps what it reads in it and
    renders after it, so no page leaves before its reads are in the log (and if the log
    cannot be written, the page fails instead of leaving unaudited).

    Held back: reads (views, exports) recorded at the level of transactions the batch began
    in. Written at once: the row of a change, and any row recorded inside a transaction
    opened since (it must commit or roll back with that transaction, as before), each with
    the reads held before it, so the log's order stays that of the calls. Held reads so
    written inside a transaction that is then rolled back are written again when it is
    over: they were made before it and do not depend on it. Nested, the outer one writes."""
    if _batch.get() is not None:
        yield
        return
    batch = _Batch(depth=_depth())
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
        _settle(batch)
        _insert(batch.held)
        batch.held = []


def _write(events: list[AuditEvent]) -> None:
    """Write ``events`` now, or hold them for the batch under way (:func:`audit_batch`)."""
    batch = _batch.get()
    if batch is None:
        _insert(events)
        return
    depth = _depth()
    if depth == batch.depth:
        _settle(batch)
        if all(event.action in _READS for event in events):
            batch.held.extend(events)
            return
    earlier, batch.held = batch.held, []
    _insert(earlier + events)
    if depth != batch.depth:
        batch.unsettled.extend(earlier)


def _settle(batch: _Batch) -> None:
    """Held reads written inside a transaction that has since been rolled back: held
    again, before any recorded after it (one query, only when there are such rows)."""
    if not batch.unsettled:
        return
    key = ("pk", "request_id", "actor_label", "action", "target", "client_id")
    stored = set(
        AuditEvent.objects.filter(pk__in=[e.pk for e in batch.unsettled]).values_list(*key)
    )
    lost = [e for e in batch.unsettled if tuple(getattr(e, k) for k in key) not in stored]
    batch.unsettled = []
    for event in lost:
        event.pk = None
        event._state.adding = True
    batch.held[:0] = lost


def _insert(events: list[AuditEvent]) -> None:
    """One INSERT: a single row as ``save()`` writes it, several in one statement."""
    if len(events) == 1:
        events[0].save()
    elif events:
        AuditEvent.objects.bulk_create(events)
