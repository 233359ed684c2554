"""Check-in links and the schedule of what clients are asked before and after sessions.

A :class:`CheckIn` is one single-use, expiring link bound to one client, appointment and
instrument. The raw token is shown once to the therapist (URL, QR code, email) and only its
SHA-256 is stored. Its one-to-one link to the stored :class:`~rapport.measures.models.Response`
is a database unique constraint: one check-in can never store two responses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.checkins.instruments import DEFAULT_AFTER, DEFAULT_BEFORE
from rapport.core.fields import EncryptedTextField

#: Episode override value meaning "send nothing at this point".
NONE = "none"


class Timing(models.TextChoices):
    BEFORE = "before", _("Before the session")
    AFTER = "after", _("After the session")
    OTHER = "other", _("Other")


class Mode(models.TextChoices):
    LINK = "link", _("Link or QR code")
    TABLET = "tablet", _("Tablet in the room")


class RevokedBecause(models.TextChoices):
    """Why a link was revoked. Only a link replaced by a new one for the same session and
    questionnaire lets a form the client already had open still be sent for a while
    (``services.FORM_GRACE``); the others are decisions that the link must stop now."""

    UNKNOWN = "", _("Not recorded")  # revoked before the reason was kept
    REPLACED = "replaced", _("A new link was made for the same session")
    STAFF = "staff", _("Revoked by a clinician")
    EPISODE_ENDED = "episode_ended", _("The episode of care ended")
    SESSION_MISSED = "session_missed", _("The session did not take place")


class ClinicSchedule(models.Model):
    """The clinic's default: which instrument before each appointment and which after."""

    clinic = models.OneToOneField(
        "clinic.Clinic", on_delete=models.CASCADE, related_name="checkin_schedule"
    )
    before_instrument = models.CharField(
        _("before each appointment"), max_length=50, blank=True, default=DEFAULT_BEFORE
    )
    after_instrument = models.CharField(
        _("after each appointment"), max_length=50, blank=True, default=DEFAULT_AFTER
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Check-in schedule of clinic {self.clinic_id}"


class EpisodeSchedule(models.Model):
    """An episode's override of the clinic default. "" keeps the default; "none" sends nothing."""

    episode = models.OneToOneField(
        "clinic.Episode", on_delete=models.CASCADE, related_name="checkin_schedule"
    )
    before_instrument = models.CharField(max_length=50, blank=True, default="")
    after_instrument = models.CharField(max_length=50, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Check-in schedule of episode {self.episode_id}"


class CheckIn(models.Model):
    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey("clinic.Client", on_delete=models.CASCADE, related_name="checkins")
    episode = models.ForeignKey(
        "clinic.Episode", on_delete=models.CASCADE, related_name="checkins", null=True, blank=True
    )
    appointment = models.ForeignKey(
        "clinic.Appointment", on_delete=models.CASCADE, related_name="checkins"
    )
    instrument_id = models.CharField(max_length=50)
    timing = models.CharField(max_length=10, choices=Timing.choices, default=Timing.OTHER)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.LINK)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_because = models.CharField(
        max_length=20, choices=RevokedBecause.choices, blank=True, default=RevokedBecause.UNKNOWN
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    response = models.OneToOneField(
        "measures.Response",
        on_delete=models.PROTECT,
        related_name="checkin",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["client", "created_at"])]
        constraints = [
            # A used check-in always points at its response, and only a used one does.
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True, response__isnull=True)
                | models.Q(used_at__isnull=False, response__isnull=False),
                name="checkin_used_iff_response",
            ),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.pk} ({self.instrument_id})"

    def status(self, now) -> str:
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "open"

    @property
    def status_now(self) -> str:
        from django.utils import timezone

        return self.status(timezone.now())

    def is_open(self, now) -> bool:
        return self.status(now) == "open"


#: A refused send's risk notice nobody has followed up yet (the partial index's condition).
OPEN_REFUSED_RISK = models.Q(reviewed_at__isnull=True)


class RefusedReason(models.TextChoices):
    """Why a link did not store a risk answer sent on it (``RefusedRiskAnswer.reason``)."""

    USED = "used", _("The link had already been used for earlier answers")
    EXPIRED = "expired", _("The link had expired")
    REVOKED = "revoked", _("The link had been revoked or replaced")
    EPISODE_ENDED = "episode_ended", _("The episode of care had ended")
    #: A link rating a session (asked after it, or an alliance measure) whose session was
    #: then recorded as cancelled or not attended.
    SESSION_MISSED = "session_missed", _("The session was recorded as not attended")
    #: The form whose answers the link stored, sent again (same form key: a slow tablet,
    #: Back then Send) with a risk item now answered at risk: only the first send counts.
    CHANGED = "changed", _("The form was sent again with a changed answer")


class RefusedRiskAnswer(models.Model):
    """A risk answer sent on a link that could no longer be used (already used for other
    answers, expired past the grace period, revoked, or its episode ended).

    Nothing of the answers was stored, so without this nobody on the staff would learn that
    the client answered a risk item at risk. It holds no answer values and no free text:
    which link, which risk item(s) (the question, not the answer), when, and why the link
    was refused. It shows as a risk notice on the client page and puts the client first on
    the caseload until a clinician records the follow-up, as a stored risk answer does
    (docs/checkins.md, "A refused submission with a risk answer")."""

    checkin = models.ForeignKey(
        CheckIn, on_delete=models.CASCADE, related_name="refused_risk_answers"
    )
    client = models.ForeignKey(
        "clinic.Client", on_delete=models.CASCADE, related_name="refused_risk_answers"
    )
    instrument_id = models.CharField(max_length=50)
    #: The risk item ids answered at risk (which question, never the answer given).
    items = models.JSONField(default=list)
    sent_at = models.DateTimeField()
    #: Why the link could not be used (or, "changed", why the answer was not stored).
    reason = models.CharField(max_length=20, choices=RefusedReason.choices)
    #: ``checkin:<id>:<form key>``: the same form sent again (Reload) adds nothing.
    submission_key = models.CharField(max_length=100, unique=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: What the clinician did and what came of it: free text about a client, encrypted.
    review_note = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-sent_at", "-pk"]
        indexes = [
            models.Index(
                fields=["client"], condition=OPEN_REFUSED_RISK, name="refused_risk_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Refused risk answer {self.pk} ({self.instrument_id})"


class RefusedForm(models.Model):
    """A form key a link has already refused (``checkin:<id>:<form key>``): the same form
    sent again (Reload re-posts it; on a shared device that may be the next person) gets
    the refusal page without the crisis section, as a repeat of a stored submission gets the
    plain thank-you page. Holds no answers, only that this form was refused once."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="refused_forms")
    submission_key = models.CharField(max_length=100, unique=True)
    refused_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Refused form {self.pk} of check-in {self.checkin_id}"
