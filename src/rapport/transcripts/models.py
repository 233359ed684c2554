# mypy: disable-error-code="var-annotated"
# Model field types are known to Django at run time; mypy here runs without its plugin.
"""Session transcripts and their analysis (issue 5, DESIGN §1.5).

What is stored where, and why:

* **Encrypted** (:class:`~rapport.core.fields.EncryptedTextField`, DESIGN §5): everything
  anyone said or is called — the turns' text, the speakers' names and the roles given to
  them, the uploaded file name, the flagged spans and the explanations that quote them.
  All of it lives in one JSON document (``content``) so that deleting the text, by hand or
  by the clinic's retention rule, is one field set to NULL.
* **Unencrypted** (no free text): per-utterance codes, roles, timings and word counts,
  the session metrics, the flags' kinds, positions, sources and generic explanations,
  and the quality estimate. These survive the deletion of the text, so the report and
  the trend across sessions still work afterwards.

Writes go through ``services.py``; reads through ``selectors.py``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.clinic.models import Appointment
from rapport.core.fields import EncryptedTextField

__all__ = ["Transcript", "TranscriptStatus", "TextDeletion"]


class TranscriptStatus(models.TextChoices):
    # Roles are confirmed by a person before any analysis: a wrong guess (who is the
    # therapist?) would invert every metric.
    ROLES_PENDING = "roles_pending", _("Waiting for roles to be confirmed")
    ANALYSED = "analysed", _("Analysed")


class TextDeletion(models.TextChoices):
    BY_HAND = "by_hand", _("Deleted by hand")
    RETENTION = "retention", _("Deleted by the clinic's retention rule")


class Transcript(models.Model):
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="transcripts"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Retention counts from here: the day the text entered the system.
    uploaded_at = models.DateTimeField(default=timezone.now, db_index=True)
    source_format = models.CharField(_("file format"), max_length=8)
    status = models.CharField(
        max_length=20, choices=TranscriptStatus.choices, default=TranscriptStatus.ROLES_PENDING
    )
    # Keyed hash (HMAC with the secret key) of the parsed turns, so uploading the same file
    # to the same session twice (a double click, a retry) gives back the first transcript.
    # Keyed, so it cannot be used to test guesses about what was said.
    digest = models.CharField(max_length=64, blank=True, db_index=True)
    speaker_count = models.PositiveSmallIntegerField(default=0)
    turn_count = models.PositiveIntegerField(default=0)
    # Said by the clinician when confirming the roles: medication information is part of
    # their role in this session (a nurse, midwife, pharmacist or prescriber), so telling
    # the patient how to take a medicine is not flagged as medical advice outside the
    # therapist's role (flags.FlagSettings.medical_role). Not free text, so not encrypted;
    # kept for re-analysis (services.transcripts_reanalyse) like the confirmed roles.
    medical_role = models.BooleanField(
        _("medication information is part of the clinician's role"), default=False
    )

    # --- encrypted free text (NULL once deleted) ---------------------------------------
    content = EncryptedTextField(null=True, blank=True)
    text_deleted_at = models.DateTimeField(null=True, blank=True)
    text_deletion = models.CharField(max_length=20, choices=TextDeletion.choices, blank=True)

    # --- analysis: codes, numbers and generic texts only --------------------------------
    analysed_at = models.DateTimeField(null=True, blank=True)
    # [{"speaker": index, "role", "code", "subcode", "confidence", "start", "end", "words"}]
    utterances = models.JSONField(default=list, blank=True)
    # {"values": {...}, "ratings": {...}, "counts": {...}, "flag_counts": {...},
    #  "therapist_talk_share_by_time": float|None}
    metrics = models.JSONField(default=dict, blank=True)
    # [{"kind", "utterance", "start", "end", "source", "explanation"}] (explanation without
    # any quoted words; the quoting one is in ``content``).
    flags = models.JSONField(default=list, blank=True)
    quality_estimate = models.FloatField(null=True, blank=True)
    quality_reasons = models.JSONField(default=list, blank=True)
    # System notes from the analysis ("no questions were coded..."): no client words.
    analysis_notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["appointment__starts_at", "pk"]
        indexes = [models.Index(fields=["text_deleted_at", "uploaded_at"])]
        constraints = [
            # One copy of a file per session while its text is kept: two uploads of it at
            # once (a double click; on PostgreSQL nothing serialises the two requests) would
            # otherwise both pass services.transcript_upload's look-up and be stored twice.
            # A transcript whose text was deleted (by hand or by the retention rule) does not
            # count: it keeps codes and metrics but no longer holds what the file brings, so
            # answering "already uploaded" with it would leave the clinician with a report
            # they cannot correct and no way to analyse the file they hold short of deleting
            # the analysis. Uploading the file again is a new, audited decision (and starts
            # the retention clock again); it has always been allowed, so databases may hold
            # such pairs already. Rows without a digest (uploaded before there was one) are
            # left out too: they cannot be compared.
            models.UniqueConstraint(
                fields=["appointment", "digest"],
                condition=models.Q(text_deleted_at__isnull=True) & ~models.Q(digest=""),
                name="transcript_one_copy_per_session",
            )
        ]

    def __str__(self) -> str:
        return f"Transcript {self.pk}"

    # The encrypted document. Readers must audit; see selectors/services.
    def read_content(self) -> dict[str, Any] | None:
        if not self.content:
            return None
        data: dict[str, Any] = json.loads(self.content)
        return data

    def write_content(self, data: dict[str, Any] | None) -> None:
        self.content = None if data is None else json.dumps(data, ensure_ascii=False)

    @property
    def has_text(self) -> bool:
        # Not reading ``content`` keeps lists cheap: they defer the encrypted column.
        return self.text_deleted_at is None

    @property
    def is_analysed(self) -> bool:
        return self.status == TranscriptStatus.ANALYSED

    @property
    def client_id(self) -> int:
        return self.appointment.episode.client_id
