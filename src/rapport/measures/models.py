"""Stored responses to instruments, and each clinic's instrument settings.

A Response keeps the validated numeric item answers and the scores computed by
:func:`rapport.measures.scoring.score` in the same row, written in one transaction.
Free-text answers are encrypted at rest. ``idempotency_key`` is unique, so a double
click, a retry or a second tab can never store a second response (issue: exactly once).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.fields import EncryptedTextField


class ResponseSource(models.TextChoices):
    LINK = "link", _("Client link")
    TABLET = "tablet", _("Tablet in the room")
    IMPORT = "import", _("Imported")
    API = "api", _("API")


#: A risk answer (``risk_flags`` not empty) nobody has followed up yet.
OPEN_RISK = models.Q(risk_reviewed_at__isnull=True) & ~models.Q(risk_flags=[])
#: A risk answer followed up (only responses with risk flags can be, see
#: ``services.response_risk_review``; the selectors still check the flags).
FOLLOWED_UP_RISK = models.Q(risk_reviewed_at__isnull=False) & ~models.Q(risk_flags=[])


class Response(models.Model):
    client = models.ForeignKey("clinic.Client", on_delete=models.CASCADE, related_name="responses")
    episode = models.ForeignKey(
        "clinic.Episode", on_delete=models.CASCADE, related_name="responses", null=True, blank=True
    )
    appointment = models.ForeignKey(
        "clinic.Appointment",
        on_delete=models.SET_NULL,
        related_name="responses",
        null=True,
        blank=True,
    )
    instrument_id = models.CharField(max_length=50)
    instrument_version = models.CharField(max_length=20)
    # When the client answered (for imports: the historical date).
    administered_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=10, choices=ResponseSource.choices)
    idempotency_key = models.CharField(max_length=100, unique=True)

    item_values = models.JSONField(default=dict)  # numeric answers only, as given
    text_answers = EncryptedTextField(blank=True, default="")  # JSON object, encrypted
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict)
    band = models.CharField(max_length=100, blank=True)
    completeness = models.FloatField(default=1.0)
    prorated = models.BooleanField(default=False)
    warnings = models.JSONField(default=list)
    risk_flags = models.JSONField(default=list)
    # Items the client chose "prefer not to answer" for (they count as missing).
    declined = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A risk answer (PHQ-9 item 9) stays at the top of the client page until a clinician
    # records that they have followed it up.
    risk_reviewed_at = models.DateTimeField(null=True, blank=True)
    risk_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the clinician did and what came of it, in their words: without it nobody can
    # later show that a risk assessment was done, and a therapist whose supervisor closed
    # the notice cannot tell what was done. Free text about a client, so encrypted (DESIGN
    # §5). Empty for follow-ups recorded before a note was asked for.
    risk_review_note = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["administered_at", "pk"]
        indexes = [
            models.Index(fields=["client", "instrument_id", "administered_at"]),
            # The caseload asks, on every view, which clients have a risk answer nobody has
            # followed up, and who followed one up this week: a few rows among every
            # response the clients ever gave. Partial indexes hold only those rows, so the
            # questions cost what they find, not the clients' whole history. The selectors
            # filter with these very conditions (a query must state an index's condition
            # for SQLite and PostgreSQL to use it).
            models.Index(
                fields=["client"],
                condition=OPEN_RISK,
                name="response_open_risk_idx",
            ),
            models.Index(
                fields=["client", "risk_reviewed_at"],
                condition=FOLLOWED_UP_RISK,
                name="response_followed_up_risk_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} ({self.instrument_id})"

    @property
    def has_unreviewed_risk(self) -> bool:
        return bool(self.risk_flags) and self.risk_reviewed_at is None

    @property
    def endorsed_risk(self) -> list[str]:
        """Risk items answered at risk (``risk_flags`` also holds unanswered ones)."""
        return [item for item in self.risk_flags if item in self.item_values]


class ClinicWording(models.Model):
    """A clinic's licensed wording for one instrument (WAI-SR, ORS, SRS), from its own file.

    Licensed wording never enters the repository (DESIGN §3): it lives here, per clinic, in
    the normalised form :func:`rapport.measures.wording.parse_wording_file` returns.
    """

    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="wordings")
    instrument_id = models.CharField(max_length=50)
    version = models.CharField(max_length=20)
    wording = models.JSONField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_id"], name="one_wording_per_clinic_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"Wording for {self.instrument_id} (clinic {self.clinic_id})"
