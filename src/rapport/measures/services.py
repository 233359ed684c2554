"""Writes of measure data: stored responses, risk follow-up, clinics' licensed wording.

Every function runs in one transaction and writes an audit row beside its change
(DESIGN §3, §5). Callers pass already-scoped objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from rapport.audit.services import Action, audit_record
from rapport.clinic.models import MISSED, Attendance
from rapport.clinic.services import locked_appointment
from rapport.core import hooks
from rapport.measures.definitions import Instrument
from rapport.measures.errors import InstrumentNotFound, InvalidAnswer, MeasuresError
from rapport.measures.models import ClinicWording, Response, ResponseSource
from rapport.measures.registry import get_instrument
from rapport.measures.scoring import score
from rapport.measures.wording import apply_wording, parse_wording_file

__all__ = [
    "RISK_NOTE_MAX",
    "RISK_NOTE_MISSING",
    "answer_errors",
    "response_record",
    "response_risk_review",
    "risk_note",
    "wording_delete",
    "wording_upload",
]

# Where the client answered: these are the client's own submissions (audited as such).
_CLIENT_SOURCES = (ResponseSource.LINK, ResponseSource.TABLET)


def answer_errors(instrument: Instrument, answers: Mapping[str, object]) -> dict[str, str]:
    """Every invalid answer with its message, item by item (the engine stops at the first)."""
    errors: dict[str, str] = {}
    for item_id, value in answers.items():
        try:
            score(instrument, {item_id: value})  # type: ignore[dict-item]
        except InvalidAnswer as error:
            errors[str(item_id)] = _answer_message(error)
    return errors


def _answer_message(error: InvalidAnswer) -> str:
    problem = error.problem
    return problem[0].upper() + problem[1:] + ("" if problem.endswith(".") else ".")


def _administered_at(value: datetime) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError({"administered_at": "Give the date and time of the answers."})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _check_links(client, episode, appointment):
    if appointment is not None:
        if episode is None:
            episode = appointment.episode
        if appointment.episode_id != episode.pk:
            raise ValidationError("The appointment belongs to another episode.")
    if episode is not None and episode.client_id != client.pk:
        raise ValidationError("The episode belongs to another client.")
    return episode


def _check_session_took_place(appointment, instrument: Instrument) -> None:
    """An answer to an alliance measure for an appointment rates its session: refused when
    the session is recorded as missed or cancelled, as a link about it is (check-ins revoke
    it and ``checkin_submit`` refuses it, as it does a link asked after the session). The
    clinic refuses the other way round, a rated session marked as not attended
    (``clinic.services._check_not_rated``): monitoring would count it both as rated and as
    missed (dropout risk). Any other answer (how the client has been, a PHQ-9) holds
    whether or not the session took place."""
    if instrument.kind != "alliance" or appointment.attendance not in MISSED:
        return
    day = timezone.localtime(appointment.starts_at)
    raise ValidationError(
        {
            "appointment": f"The session on {day:%a} {day.day} {day:%b %Y} is recorded as "
            f"“{Attendance(appointment.attendance).label}”: a session that did not take place "
            f"cannot be rated, so this {instrument.short_title} was not stored."
        }
    )


@transaction.atomic
def response_record(
    *,
    client,
    instrument_id: str,
    answers: Mapping[str, object],
    source: str,
    idempotency_key: str,
    administered_at: datetime,
    episode=None,
    appointment=None,
    actor=None,
    request=None,
) -> tuple[Response, bool]:
    """Validate, score and store one administration of an instrument, exactly once.

    Returns ``(response, created)``. A second call with the same ``idempotency_key`` (a
    double click, a retry, a re-imported file) returns the stored response and ``False``
    without writing anything. Bad answers raise ``ValidationError`` with one message per
    item. ``actor`` is the staff user, ``"client-link"`` for the client's own link, or None
    for the system (imports from the command line). Listeners of
    :func:`rapport.core.hooks.response_stored` run inside this transaction.

    An answer given for an ``appointment`` locks the session first, as every writer of a
    session's record does (``clinic.services.locked_appointment``), and an answer to an
    alliance measure for a session recorded as missed or cancelled is refused
    (``ValidationError`` on ``appointment``): a session that did not take place cannot be
    rated (:func:`_check_session_took_place`).
    """
    if source not in ResponseSource.values:
        raise ValidationError({"source": f"Unknown source {source!r}."})
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise ValidationError({"idempotency_key": "Give an idempotency key of 1-100 characters."})
    existing = Response.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return _same_submission(existing, client, instrument_id), False
    try:
        instrument = get_instrument(instrument_id)
    except InstrumentNotFound:
        raise ValidationError({"instrument_id": f"Unknown instrument {instrument_id!r}."}) from None
    errors = answer_errors(instrument, answers)
    if errors:
        raise ValidationError(errors)
    result = score(instrument, answers)  # type: ignore[arg-type]
    if appointment is not None:
        # Episode, then appointment, locked and read again (the order of every writer of a
        # session's record, see clinic.services.locked_appointment): a marking of the
        # session as not attended waits for this answer and then sees it (and refuses), or
        # this waits for the marking and sees it here. Whoever calls: a link, an import, a
        # staff entry.
        appointment = locked_appointment(appointment.pk)
        _check_session_took_place(appointment, instrument)
    episode = _check_links(client, episode, appointment)
    response = Response(
        client=client,
        episode=episode,
        appointment=appointment,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        administered_at=_administered_at(administered_at),
        source=source,
        idempotency_key=key,
        item_values=dict(result.item_values),
        text_answers=json.dumps(dict(result.text_answers)) if result.text_answers else "",
        total=result.total,
        subscales=dict(result.subscales),
        band=result.band or "",
        completeness=result.completeness,
        prorated=result.prorated,
        warnings=list(result.warnings),
        # Every risk item a clinician must follow up: answered at risk, or not answered
        # (the risk notice asks about those directly; the client's page shows the crisis
        # text for answered ones only, see Response.endorsed_risk).
        risk_flags=list(result.risk_flags) + list(result.unanswered_risk),
        declined=list(result.declined),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        # A savepoint: on PostgreSQL two concurrent first submissions can both pass the
        # lookup above; the unique key lets exactly one insert win.
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError:
        existing = Response.objects.filter(idempotency_key=key).first()
        if existing is None:
            raise
        return _same_submission(existing, client, instrument_id), False
    audit_record(
        actor=actor,
        action=Action.SUBMIT if source in _CLIENT_SOURCES else Action.CREATE,
        target=f"response:{response.pk}:{instrument.id}",
        client_id=client.pk,
        request=request,
    )
    hooks.response_stored(response)
    return response, True


def _same_submission(existing: Response, client, instrument_id: str) -> Response:
    if existing.client_id != client.pk or existing.instrument_id != instrument_id:
        raise ValidationError(
            {"idempotency_key": "This key already belongs to a different response."}
        )
    return existing


#: The longest follow-up note: a few sentences on what was done and what came of it (the
#: same limit as the app's other clinicians' notes).
RISK_NOTE_MAX = 2000
#: Shown when the note is missing: the follow-up is the record that a risk assessment was
#: done, so it cannot be recorded without saying what was done.
RISK_NOTE_MISSING = "Say what you did to follow this up."


def risk_note(note: str) -> str:
    """The note of a risk answer's follow-up, stripped: required, at most RISK_NOTE_MAX
    characters (a ValidationError on ``note`` otherwise). Also checks the follow-up of a
    refused one (``checkins.services.refused_risk_review``)."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": RISK_NOTE_MISSING})
    if len(note) > RISK_NOTE_MAX:
        raise ValidationError(
            {"note": f"Please shorten the note to {RISK_NOTE_MAX} characters (it has {len(note)})."}
        )
    return note


@transaction.atomic
def response_risk_review(
    *, actor, response: Response, note: str, request=None, now=None
) -> tuple[Response, bool]:
    """Record that a clinician followed up a risk answer, with their note of what was done
    and what came of it; the notice then leaves the page and the follow-up stays in the
    client's record.

    Returns ``(response, recorded)``. A risk answer is followed up once: a second
    submission (a double click, a second tab, a colleague at the same time) records nothing
    and returns the stored follow-up with ``False``, so the first note is never overwritten.
    The row is locked and read again first (on SQLite the transaction's write lock), so two
    submissions at once cannot both see it open. The note is never logged.
    """
    note = risk_note(note)
    stored = Response.objects.select_for_update().get(pk=response.pk)
    if not stored.risk_flags:
        raise ValidationError("This response raised no risk notice.")
    if stored.risk_reviewed_at is not None:
        return stored, False
    stored.risk_reviewed_at = now or timezone.now()
    stored.risk_reviewed_by = actor
    stored.risk_review_note = note
    stored.save(update_fields=["risk_reviewed_at", "risk_reviewed_by", "risk_review_note"])
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        # Not "risk-reviewed": the audit log, which admins read, must not say whose
        # answers raised a risk notice.
        target=f"response:{stored.pk}",
        client_id=stored.client_id,
        request=request,
    )
    return stored, True


@transaction.atomic
def wording_upload(*, actor, clinic, text: str, request=None) -> ClinicWording:
    """Store a clinic's licensed wording file (one per instrument; a new file replaces it)."""
    try:
        normalised = parse_wording_file(text)
        apply_wording(get_instrument(normalised["instrument"]), normalised)
    except MeasuresError as error:
        raise ValidationError({"file": str(error)}) from None
    # JSON object keys are strings: anchors by value are kept as text and read back as ints.
    stored = {
        **normalised,
        "anchors": {
            key: {str(value): label for value, label in labels.items()}
            for key, labels in normalised["anchors"].items()
        },
    }
    wording, _ = ClinicWording.objects.update_or_create(
        clinic=clinic,
        instrument_id=normalised["instrument"],
        defaults={"version": normalised["version"], "wording": stored, "uploaded_by": actor},
    )
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=f"wording:{wording.instrument_id}",
        request=request,
    )
    return wording


@transaction.atomic
def wording_delete(*, actor, clinic, instrument_id: str, request=None) -> None:
    deleted, _ = ClinicWording.objects.filter(clinic=clinic, instrument_id=instrument_id).delete()
    if deleted:
        audit_record(
            actor=actor, action=Action.DELETE, target=f"wording:{instrument_id}", request=request
        )
