"""The "Session transcripts" section of the client page."""

from __future__ import annotations

from collections import Counter

from django.db.models import prefetch_related_objects

from rapport.audit.services import Action, audit_record
from rapport.clinic.models import Appointment, Attendance
from rapport.transcripts import selectors, services

__all__ = ["transcripts_panel"]

#: How many sessions the panel offers to upload a transcript for.
UPLOAD_TARGETS = 6


def transcripts_panel(request, client) -> dict:
    """Transcripts of an already-scoped client, and the recent sessions to upload one to.

    Shows dates, status and numbers only (no transcript text), and audits the read. Text
    past the clinic's retention limit is deleted first, so the list says "text deleted"
    (and offers no role confirmation) for it.
    """
    services.transcripts_enforce_retention_for_client(client)
    transcripts = list(selectors.transcripts_for_client(client))
    _number_parts(transcripts)
    audit_record(
        actor=request.user,
        action=Action.VIEW,
        target="transcripts-panel",
        client_id=client.pk,
        request=request,
    )
    return {
        "template": "transcripts/panel.html",
        "transcripts": transcripts,
        "upload_appointments": _upload_targets(client),
    }


def _number_parts(transcripts: list) -> None:
    """Set ``part`` and ``parts`` on each transcript, in list order (session, then upload):
    a session uploaded in two files showed two identical rows with identical links."""
    parts = Counter(transcript.appointment_id for transcript in transcripts)
    seen: Counter[int] = Counter()
    for transcript in transcripts:
        seen[transcript.appointment_id] += 1
        transcript.part = seen[transcript.appointment_id]
        transcript.parts = parts[transcript.appointment_id]


def _upload_targets(client) -> list[Appointment]:
    """The recent sessions a transcript may be uploaded for. In an open episode, any that
    may have happened (attendance is often recorded later); in an ended one, only those
    recorded as attended: the record is closed, and next to it an unmarked date reads as
    an invitation to add to an episode that is over."""
    candidates = selectors.appointments_for_upload(client, limit=UPLOAD_TARGETS * 2)
    prefetch_related_objects(candidates, "episode")  # one query, not one per session
    return [
        appointment
        for appointment in candidates
        if appointment.episode.is_open or appointment.attendance == Attendance.ATTENDED
    ][:UPLOAD_TARGETS]
