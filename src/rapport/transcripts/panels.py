"""The "Session transcripts" section of the client page."""

from __future__ import annotations

from rapport.audit.services import Action, audit_record
from rapport.transcripts import selectors

__all__ = ["transcripts_panel"]


def transcripts_panel(request, client) -> dict:
    """Transcripts of an already-scoped client, and the recent sessions to upload one to.

    Shows dates, status and numbers only (no transcript text), and audits the read.
    """
    transcripts = list(selectors.transcripts_for_client(client))
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
        "upload_appointments": selectors.appointments_for_upload(client),
    }
