"""Writes to transcripts: one transaction each, validated, and audited (DESIGN §3, §5).

Callers pass already-scoped objects (from ``selectors.get_*_for_user``) and the acting
user (``None`` for the system, e.g. the retention job). The analysis itself is the pure
pipeline in :mod:`rapport.transcripts.analysis`; this module only stores its result, split
into encrypted free text and unencrypted codes and numbers (see ``models.py``).

Logs carry ids and counts only, never a word of the transcript.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone

from rapport.audit.services import Action, audit_record
from rapport.clinic.models import MISSED, Appointment, Attendance, Clinic
from rapport.core.erase import forget_deleted_rows_after_commit
from rapport.transcripts.analysis import analysis_to_json, analyze, rules_version
from rapport.transcripts.flags import FlagSettings
from rapport.transcripts.models import TextDeletion, Transcript, TranscriptStatus
from rapport.transcripts.parsing import CLIENT, ROLES, THERAPIST, Turn, guess_roles
from rapport.transcripts.parsing import Transcript as ParsedTranscript
from rapport.transcripts.quality import quality_model_version

__all__ = [
    "CoderUnavailable",
    "get_coder",
    "transcript_analyse",
    "transcript_delete",
    "transcript_delete_text",
    "transcript_discard_upload",
    "transcript_enforce_retention",
    "transcript_set_roles",
    "transcript_upload",
    "transcripts_enforce_retention_for_client",
    "transcripts_purge_expired",
    "transcripts_reanalyse",
]

logger = logging.getLogger(__name__)


class CoderUnavailable(Exception):
    """The utterance coder model cannot be loaded on this server."""


def get_coder():
    """The utterance coder (cached by ``coding.load_coder``). Tests replace this function."""
    from rapport.transcripts.coding import CoderError, load_coder

    try:
        return load_coder()
    except CoderError as error:
        logger.error("transcript coder unavailable: %s", error)
        raise CoderUnavailable(str(error)) from None


def _target(transcript: Transcript, suffix: str = "") -> str:
    return f"transcript:{transcript.pk}{':' + suffix if suffix else ''}"


def _digest(parsed: ParsedTranscript) -> str:
    turns = [[t.speaker, t.text, t.start, t.end] for t in parsed.turns]
    message = json.dumps(turns, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    key = f"rapport.transcripts.digest:{settings.SECRET_KEY}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _client_id(appointment: Appointment) -> int:
    return appointment.episode.client_id


# --- upload ---------------------------------------------------------------------------


@transaction.atomic
def transcript_upload(
    *, actor, appointment: Appointment, parsed: ParsedTranscript, filename: str, request=None
) -> Transcript:
    """Store a parsed transcript, encrypted, with guessed roles awaiting confirmation.

    The same transcript uploaded again to the same session, while its text is kept, gives
    back the stored one instead of a duplicate, marked ``already_uploaded`` so the page can
    say so.
    """
    _check_took_place(appointment)
    digest = _digest(parsed)
    existing = _stored_copy(appointment, digest)
    if existing is not None and _purge_if_past_retention(existing.pk, timezone.now()):
        # The stored copy's text was past the clinic's limit: deleted now, it is no longer
        # a copy of this file, and uploading the file again stores it anew (documented).
        existing = None
    if existing is not None:
        return _already_uploaded(existing)
    _check_not_in_another_session(appointment, digest)
    speakers = list(parsed.speakers)
    index = {name: i for i, name in enumerate(speakers)}
    guessed = guess_roles(parsed)
    content = {
        # Only the base name: a path can say more about the uploader's machine than needed.
        "filename": PurePath(filename or "").name[:200],
        "speakers": speakers,
        "guessed_roles": guessed,
        "roles": dict(guessed),
        "turns": [[index[t.speaker], t.text, t.start, t.end] for t in parsed.turns],
        "notes": list(parsed.notes),
        "flags": [],
    }
    transcript = Transcript(
        appointment=appointment,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        source_format=parsed.format,
        digest=digest,
        status=TranscriptStatus.ROLES_PENDING,
        speaker_count=len(speakers),
        turn_count=len(parsed.turns),
    )
    transcript.write_content(content)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            transcript.save()
    except IntegrityError:
        # The same file for the same session, stored by a request running at the same time
        # after the look-up above (on PostgreSQL; SQLite runs one writer at a time): the
        # unique constraint on (appointment, digest) refused this copy.
        existing = _stored_copy(appointment, digest)
        if existing is None:
            raise
        return _already_uploaded(existing)
    audit_record(
        actor=actor,
        action=Action.CREATE,
        target=_target(transcript),
        client_id=_client_id(appointment),
        request=request,
    )
    logger.info(
        "transcript %s uploaded: %s turns, %s speakers",
        transcript.pk,
        transcript.turn_count,
        transcript.speaker_count,
    )
    return transcript


def _stored_copy(appointment: Appointment, digest: str) -> Transcript | None:
    """The transcript of this file already stored for this session with its text, if any
    (what the ``transcript_one_copy_per_session`` constraint allows one of)."""
    return Transcript.objects.filter(
        appointment=appointment, digest=digest, text_deleted_at__isnull=True
    ).first()


def _check_not_in_another_session(appointment: Appointment, digest: str) -> None:
    """Refuse a file already stored for another session of the same client (a file first
    uploaded to the wrong session, then to the right one): one conversation in two
    sessions is counted twice in the trend across the client's sessions, and one of the
    two reports is dated to a session it is not of. Held whether or not that copy's text
    was deleted: its codes and metrics still count. Nothing is said of another client's
    transcripts."""
    other = (
        Transcript.objects.filter(
            appointment__episode__client_id=_client_id(appointment), digest=digest
        )
        .exclude(appointment=appointment)
        .select_related("appointment")
        .only("pk", "appointment__starts_at")
        .first()
    )
    if other is None:
        return
    when = formats.date_format(timezone.localtime(other.appointment.starts_at), "D j M Y, H:i")
    raise ValidationError(
        "This file is already stored for this client's session of %(when)s. One conversation "
        "in two sessions would be counted twice across the client's sessions. If that "
        "session was the wrong one, delete the transcript there (Delete… on its report, or "
        "Cancel on its roles page), then upload the file here.",
        params={"when": when},
    )


def _already_uploaded(existing: Transcript) -> Transcript:
    existing.already_uploaded = True  # type: ignore[attr-defined]
    return existing


# --- roles and analysis ---------------------------------------------------------------


def _check_took_place(appointment: Appointment, now: datetime | None = None) -> None:
    """A transcript is of a session that happened: not of one still to come, cancelled or
    missed (the upload page offers only those that may have happened; this holds for any
    way in). Its report would otherwise be dated to a session that never took place."""
    if appointment.attendance in MISSED:
        raise ValidationError(
            "This appointment did not take place, so it has no transcript: choose the "
            "session the recording is of."
        )
    if appointment.starts_at > (now or timezone.now()):
        raise ValidationError(
            "This session has not started yet: upload its transcript after the session."
        )
    if not appointment.episode.is_open and appointment.attendance != Attendance.ATTENDED:
        # An ended episode is a closed record: only a session recorded as attended there
        # can still get its transcript (the upload page offers just those).
        raise ValidationError(
            "This episode has ended and this session was not recorded as attended: record "
            "it first, or choose the session the recording is of."
        )


def _validate_roles(speakers: list[str], roles: Mapping[str, str]) -> dict[str, str]:
    if set(roles) != set(speakers):
        raise ValidationError("Give a role to every speaker in the transcript.")
    if any(role not in ROLES for role in roles.values()):
        raise ValidationError("Each speaker is either the therapist or a client.")
    chosen = set(roles.values())
    if THERAPIST not in chosen:
        raise ValidationError("Choose which speaker is the therapist.")
    if CLIENT not in chosen:
        raise ValidationError("At least one speaker must be the client.")
    return {name: roles[name] for name in speakers}


def _parsed_from_content(transcript: Transcript, content: dict[str, Any]) -> ParsedTranscript:
    speakers = content["speakers"]
    turns = tuple(
        Turn(i, speakers[s], text, start, end)
        for i, (s, text, start, end) in enumerate(content["turns"])
    )
    return ParsedTranscript(
        turns, tuple(speakers), transcript.source_format, tuple(content.get("notes", ()))
    )


def _generic_explanation(explanation: str) -> str:
    """A flag's explanation without the words it quotes.

    Lexicon flags begin with the phrase that triggered them (``"phrase": why...``); that
    phrase is the therapist's or client's words, so it stays in the encrypted content and
    the unencrypted copy keeps only the general reason.
    """
    if explanation.startswith('"') and '": ' in explanation:
        return explanation.split('": ', 1)[1]
    return explanation


def _store_analysis(
    transcript: Transcript, content: dict[str, Any], parsed: ParsedTranscript, data: dict
) -> None:
    utterances = []
    index = {name: i for i, name in enumerate(content["speakers"])}
    for turn, coded in zip(parsed.turns, data["utterances"], strict=True):
        confidence = coded.get("confidence")
        utterances.append(
            {
                "speaker": index[turn.speaker],
                "role": coded["role"],
                "code": coded["code"],
                "subcode": coded.get("subcode"),
                "confidence": None if confidence is None else round(float(confidence), 3),
                "start": turn.start,
                "end": turn.end,
                "words": len(turn.text.split()),
            }
        )
    flags = data.get("flags", [])
    transcript.utterances = utterances
    transcript.flags = [
        {
            "kind": flag["kind"],
            "utterance": flag["utterance"],
            "start": flag.get("start"),
            "end": flag.get("end"),
            "source": flag.get("source", ""),
            "explanation": _generic_explanation(flag.get("explanation", "")),
        }
        for flag in flags
    ]
    content["flags"] = [
        {"text": flag.get("text", ""), "explanation": flag.get("explanation", "")} for flag in flags
    ]
    transcript.metrics = {
        "values": dict(data["metrics"]),
        "ratings": dict(data.get("ratings", {})),
        "counts": dict(data.get("counts", {})),
        "flag_counts": dict(data.get("flag_counts", {})),
        "therapist_talk_share_by_time": data.get("therapist_talk_share_by_time"),
        # Which models made the codes and the estimate: the report reads the estimate
        # against its own model's reference scores only, and re-analysis after a model
        # upgrade (transcripts_reanalyse) finds the analyses that are out of date.
        "quality_model": data.get("quality_model"),
        "coder_model": data.get("coder_model"),
        "rules_version": data.get("rules_version"),
    }
    transcript.quality_estimate = data.get("quality_estimate")
    transcript.quality_reasons = list(data.get("quality_reasons", []))
    parser_notes = set(content.get("notes", []))
    transcript.analysis_notes = [n for n in data.get("notes", []) if n not in parser_notes]
    transcript.write_content(content)
    transcript.status = TranscriptStatus.ANALYSED
    transcript.analysed_at = timezone.now()


def transcript_analyse(transcript: Transcript, roles: Mapping[str, str], coder=None) -> None:
    """Run the pure pipeline on the stored text with ``roles`` and keep the result.

    The flags are read with the transcript's stored ``medical_role`` (what the clinician
    said when confirming the roles), so re-analysis keeps it as it keeps the roles.
    Does not save or audit: :func:`transcript_set_roles` does both.
    """
    content = transcript.read_content()
    if content is None:
        raise ValidationError(
            "The text of this transcript has been deleted, so it cannot be analysed again."
        )
    parsed = _parsed_from_content(transcript, content)
    if coder is None:
        try:
            coder = get_coder()
        except CoderUnavailable:
            raise ValidationError(
                "The utterance coder is not installed on this server, so the session "
                "cannot be analysed. Ask your administrator to install the coder model."
            ) from None
    settings = FlagSettings(medical_role=transcript.medical_role)
    result = analyze(parsed, dict(roles), coder, flag_settings=settings)
    content["roles"] = dict(roles)
    _store_analysis(transcript, content, parsed, analysis_to_json(result))


def transcript_set_roles(
    *,
    actor,
    transcript: Transcript,
    roles: Mapping[str, str],
    medical_role: bool | None = None,
    request=None,
    coder=None,
) -> Transcript:
    """Confirm or correct who is the therapist and who the client, then (re)analyse.

    ``medical_role``: whether medication information is part of the clinician's role in
    this session (a nurse, midwife, pharmacist or prescriber), so the medical-advice flag
    is not raised; ``None`` keeps what is stored. A change of it is audited on its own
    (``transcript:N:medical_role``), beside the roles' update, since it changes which
    flags the report shows.

    Text past the clinic's retention limit is deleted first (in its own transaction, so
    the refusal below does not undo it), never analysed again.
    """
    transcript_enforce_retention(transcript)
    if not transcript.has_text:
        raise ValidationError(
            "The text of this transcript has been deleted, so its roles can no longer be "
            "changed. The codes and metrics from the last analysis are kept."
        )
    return _set_roles(
        actor=actor,
        transcript=transcript,
        roles=roles,
        medical_role=medical_role,
        request=request,
        coder=coder,
    )


@transaction.atomic
def _set_roles(
    *,
    actor,
    transcript: Transcript,
    roles: Mapping[str, str],
    medical_role: bool | None,
    request=None,
    coder=None,
) -> Transcript:
    transcript = _locked(transcript.pk)
    content = transcript.read_content() or {}
    checked = _validate_roles(content.get("speakers", []), roles)
    changed = medical_role is not None and medical_role != transcript.medical_role
    if medical_role is not None:
        transcript.medical_role = medical_role
    _analyse_and_audit(transcript, checked, coder, actor=actor, what="roles", request=request)
    if changed:
        audit_record(
            actor=actor,
            action=Action.UPDATE,
            target=_target(transcript, "medical_role"),
            client_id=transcript.appointment.episode.client_id,
            request=request,
        )
    logger.info("transcript %s analysed: %s turns", transcript.pk, transcript.turn_count)
    return transcript


def _locked(pk: int) -> Transcript:
    return Transcript.objects.select_for_update().select_related("appointment__episode").get(pk=pk)


def _analyse_and_audit(
    transcript: Transcript, roles: Mapping[str, str], coder, *, actor, what: str, request=None
) -> None:
    """Analyse with ``roles``, save, and audit as an update of ``transcript:N:<what>``."""
    transcript_analyse(transcript, roles, coder)
    transcript.save()
    audit_record(
        actor=actor,
        action=Action.UPDATE,
        target=_target(transcript, what),
        client_id=transcript.appointment.episode.client_id,
        request=request,
    )


# --- deletion and retention -----------------------------------------------------------


@transaction.atomic
def transcript_delete_text(
    *,
    actor,
    transcript: Transcript,
    request=None,
    reason: str = TextDeletion.BY_HAND,
    now: datetime | None = None,
) -> Transcript:
    """Delete everything anyone said (and the speakers' names); keep codes and metrics."""
    transcript = _locked(transcript.pk)
    _delete_locked_text(transcript, actor=actor, reason=reason, now=now, request=request)
    return transcript


def _delete_locked_text(
    transcript: Transcript, *, actor, reason: str, now: datetime | None, request=None
) -> bool:
    """Delete the text of a transcript whose row the caller has locked, and audit it.

    False, doing nothing, when the text is already gone: whoever got the lock first (a
    person, the daily job, another request reading it past the limit) deleted and audited
    it, and the audit log counts each deletion once.
    """
    if transcript.text_deleted_at is not None:
        return False
    transcript.write_content(None)
    transcript.text_deleted_at = now or timezone.now()
    transcript.text_deletion = reason
    transcript.save(update_fields=["content", "text_deleted_at", "text_deletion"])
    forget_deleted_rows_after_commit()
    audit_record(
        actor=actor,
        action=Action.DELETE,
        target=_target(transcript, "text" if reason == TextDeletion.BY_HAND else "text-retention"),
        client_id=transcript.appointment.episode.client_id,
        request=request,
    )
    return True


@transaction.atomic
def transcript_delete(*, actor, transcript: Transcript, request=None) -> None:
    """Delete a transcript with its analysis (e.g. uploaded to the wrong session)."""
    client_id = transcript.appointment.episode.client_id
    target = _target(transcript)
    transcript.delete()
    forget_deleted_rows_after_commit()
    audit_record(
        actor=actor, action=Action.DELETE, target=target, client_id=client_id, request=request
    )


@transaction.atomic
def transcript_discard_upload(*, actor, transcript: Transcript, request=None) -> None:
    """Delete an upload whose roles were never confirmed: *Cancel* on the roles page.

    A clinician who cancels right after uploading expects nothing kept; the file's text
    (what was said, the names) otherwise stayed stored, listed as waiting for roles. Only
    a transcript not yet analysed is discarded so: an analysed one holds a report, deleted
    only from the delete page, where the person chooses between the text and everything.
    The row is locked and checked under the lock, so a role confirmation sent at the same
    moment (which analyses it) and this cannot both win. Audited as the deletion it is.
    """
    locked = Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
    if locked is None:  # discarded or deleted by another request meanwhile: nothing left
        return
    if locked.status == TranscriptStatus.ANALYSED:
        raise ValidationError(
            "This transcript has been analysed, so it is not discarded here: use "
            "Delete on its report to delete its text or its analysis."
        )
    transcript_delete(actor=actor, transcript=locked, request=request)


# The clinic's rule "delete transcript text after N days" (Clinic.transcript_retention_days)
# holds whether or not an operator installed the daily job: an admin who set 30 days
# believes the text is gone after 30 days. So text past the limit is deleted by the daily
# job (transcripts_purge_expired), when the server starts, and at the latest by the first
# read that would show it (transcript_enforce_retention and the client panel); every
# deletion goes through _purge_if_past_retention and is audited once, as the system.


def _is_past_retention(transcript: Transcript, days: int, now: datetime) -> bool:
    """Whether ``transcript`` still holds text uploaded more than ``days`` days before
    ``now`` (0 days: the clinic keeps the text)."""
    return (
        days > 0
        and transcript.text_deleted_at is None
        and transcript.uploaded_at < now - timedelta(days=days)
    )


def _past_retention(
    transcripts: QuerySet[Transcript], now: datetime, clinics: QuerySet[Clinic] | None = None
) -> QuerySet[Transcript]:
    """Those of ``transcripts`` still holding text past their clinic's limit (the same rule
    as :func:`_is_past_retention`, in SQL): one condition per retention period in use, as
    clinics that chose the same number of days share a cut-off."""
    periods = (
        (Clinic.objects.all() if clinics is None else clinics)
        .filter(transcript_retention_days__gt=0)
        .order_by()
        .values_list("transcript_retention_days", flat=True)
        .distinct()
    )
    due = Q()
    for days in periods:
        due |= Q(
            appointment__episode__client__clinic__transcript_retention_days=days,
            uploaded_at__lt=now - timedelta(days=days),
        )
    if not due:
        return transcripts.none()
    return transcripts.filter(due, text_deleted_at__isnull=True)


@transaction.atomic
def _purge_if_past_retention(pk: int, now: datetime) -> bool:
    """Delete the text of transcript ``pk`` if it is past its clinic's limit; True if this
    call deleted it. The row is locked and checked again under the lock, so two requests
    at once (or a request and the daily job) delete and audit it once."""
    transcript = (
        Transcript.objects.select_for_update(of=("self",))
        .select_related("appointment__episode__client__clinic")
        .filter(pk=pk)
        .first()
    )
    if transcript is None:  # deleted with its analysis meanwhile
        return False
    days = transcript.appointment.episode.client.clinic.transcript_retention_days
    if not _is_past_retention(transcript, days, now):
        return False
    return _delete_locked_text(transcript, actor=None, reason=TextDeletion.RETENTION, now=now)


def transcript_enforce_retention(transcript: Transcript, *, now: datetime | None = None) -> bool:
    """Apply the clinic's retention rule to ``transcript`` before its text is read.

    Every page, command and service that reads a transcript's text calls this first: text
    past the clinic's limit is deleted right then, exactly as the daily job deletes it
    (reason "retention", audited as the system), and ``transcript`` is brought up to date,
    so the caller shows what it shows for text deleted under the rule. Codes and metrics
    stay. A read within the limit costs one query and writes nothing. True if this call
    deleted the text.
    """
    if transcript.text_deleted_at is not None:
        return False
    now = now or timezone.now()
    days = (
        Clinic.objects.filter(clients__episodes__appointments=transcript.appointment_id)
        .values_list("transcript_retention_days", flat=True)
        .first()
    )
    if days is None or not _is_past_retention(transcript, days, now):
        return False
    deleted = _purge_if_past_retention(transcript.pk, now)
    # Deleted by this call or, a moment earlier, by another request: either way the
    # caller must not go on with the text it loaded before.
    transcript.refresh_from_db(fields=["content", "text_deleted_at", "text_deletion"])
    return deleted


def transcripts_enforce_retention_for_client(client, *, now: datetime | None = None) -> int:
    """:func:`transcript_enforce_retention` for each of a client's transcripts, for the
    client page (two queries when none is past the limit). Returns how many lost their text."""
    now = now or timezone.now()
    due = _past_retention(
        Transcript.objects.filter(appointment__episode__client=client),
        now,
        Clinic.objects.filter(pk=client.clinic_id),
    )
    return sum(_purge_if_past_retention(pk, now) for pk in list(due.values_list("pk", flat=True)))


def transcripts_purge_expired(*, now: datetime | None = None) -> int:
    """Delete transcript text older than each clinic's ``transcript_retention_days``.

    For the daily job (``rapport purge-transcripts``), and run when ``rapport serve`` and
    ``rapport demo`` start. Codes and metrics stay. Each transcript is purged in its own
    transaction, so an interrupted run keeps its progress and the next run picks up the
    rest. Returns how many transcripts lost their text in this run (not those a request
    reading them got to first).
    """
    now = now or timezone.now()
    due = _past_retention(Transcript.objects.all(), now).order_by("pk")
    purged = sum(_purge_if_past_retention(pk, now) for pk in list(due.values_list("pk", flat=True)))
    if purged:
        logger.info("transcript retention: text deleted from %s transcripts", purged)
    return purged


# --- re-analysis after a model upgrade --------------------------------------------------


@dataclass(frozen=True)
class Reanalysis:
    """What :func:`transcripts_reanalyse` did, in counts."""

    reanalysed: int
    current: int  # already analysed by the installed models
    without_text: int  # text deleted: their codes stay those of the model that made them


def transcripts_reanalyse(*, everything: bool = False, coder=None) -> Reanalysis:
    """Analyse again, with the installed models, every analysed transcript that still has
    its text and was coded, estimated or flagged by another model or set of rules
    (``analysis.rules_version``; ``everything``: all of them).

    For after installing a retrained coder or quality model, or a release that changes the
    flags or metrics: a client's trend compares
    sessions, and codes from two models differ in ways that are not the client's or the
    therapist's doing. The roles a person confirmed are kept, and so is what they said of
    the clinician's role (``Transcript.medical_role``). Each transcript is analysed
    in its own transaction and audited as a system action, so an interrupted run keeps
    its progress and the next run picks up the rest.
    """
    coder = coder if coder is not None else get_coder()
    installed = (_coder_version(coder), quality_model_version(), rules_version())
    # Text past a clinic's limit is deleted, not analysed again: counted as without text.
    transcripts_purge_expired()
    counts = {"reanalysed": 0, "current": 0, "without_text": 0}
    analysed = Transcript.objects.filter(status=TranscriptStatus.ANALYSED).order_by("pk")
    for pk, deleted_at, metrics in analysed.values_list("pk", "text_deleted_at", "metrics"):
        stored = metrics or {}
        made_by = (
            stored.get("coder_model"),
            stored.get("quality_model"),
            stored.get("rules_version"),
        )
        if deleted_at is not None:
            counts["without_text"] += 1
        elif made_by == installed and not everything:
            counts["current"] += 1
        elif _reanalyse_one(pk, coder):
            counts["reanalysed"] += 1
        else:
            counts["without_text"] += 1  # its text was deleted meanwhile, or just now
    if counts["reanalysed"]:
        logger.info("transcripts re-analysed with the installed models: %s", counts["reanalysed"])
    return Reanalysis(**counts)


def _coder_version(coder) -> str | None:
    meta = getattr(coder, "meta", None)
    return meta.get("version") if isinstance(meta, dict) else None


@transaction.atomic
def _reanalyse_one(pk: int, coder) -> bool:
    # A long run can outlast a transcript's retention limit: the rule holds at each read.
    if _purge_if_past_retention(pk, timezone.now()):
        return False
    transcript = _locked(pk)
    content = transcript.read_content()
    if content is None:
        return False
    _analyse_and_audit(transcript, content["roles"], coder, actor=None, what="reanalysis")
    return True
