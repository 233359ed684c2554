"""Clinics, clients, episodes of care, goals and appointments.

Free text about a client (name, contact details, goals, notes) is encrypted at rest with
:class:`~rapport.core.fields.EncryptedTextField` (DESIGN §5). Writes go through
``services.py``; reads through ``selectors.py``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.fields import EncryptedTextField

# Rapport's crisis text until a clinic's admin enters the clinic's own line. It names no
# line or number (Rapport knows none) and asks nothing of the therapist, who may not read
# the answers before the next session. The thank-you page counts it, and every default
# shipped before it, as no crisis text set (checkins.views._crisis_contacts).
DEFAULT_CRISIS_TEXT = (
    "If you are struggling to keep yourself safe, contact your GP or a crisis line today, "
    "or call your local emergency number if you are in danger now."
)
# Every default Rapport has shipped, the current one too: a clinic still holding one has not
# set its own. The first said "please tell your therapist today" (migration clinic 0007
# replaced it where clinics had left it).
SHIPPED_CRISIS_TEXTS = frozenset(
    {
        "If you are thinking about harming yourself or feel unsafe, please tell your therapist "
        "today. If you are in immediate danger, call your local emergency number now.",
        DEFAULT_CRISIS_TEXT,
    }
)


class Clinic(models.Model):
    name = models.CharField(_("name"), max_length=200)
    require_mfa = models.BooleanField(
        _("require two-factor authentication for all staff"), default=False
    )
    # Shown to a client who reports thoughts of self-harm (PHQ-9 item 9); editable by admins.
    crisis_text = models.TextField(_("crisis text shown to clients"), default=DEFAULT_CRISIS_TEXT)
    # Shown under "Your answers go only to your therapist ..." on the client's check-in
    # pages: whether anyone outside the clinic (a court, an employer, whoever referred a
    # mandated client) sees the answers. Only the clinic can say that truthfully, so
    # Rapport ships no default and shows nothing while it is empty. Up to 300 characters
    # (accounts.forms.ClinicSettingsForm).
    sharing_text = models.TextField(
        _("what clients are told about sharing beyond the clinic"), blank=True, default=""
    )
    # Delete transcript text after this many days, keeping codes and metrics (0 = keep).
    transcript_retention_days = models.PositiveIntegerField(
        _("delete transcript text after (days, 0 = keep)"), default=0
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Client(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="clients")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clients"
    )
    display_name = EncryptedTextField(_("display name"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    email = EncryptedTextField(_("email for reminders"), blank=True, default="")
    phone = EncryptedTextField(_("phone for reminders"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The key of the form that created the client: the same form sent twice (a double
    # click, a reload) gives back the client it made instead of a second one.
    creation_key = models.CharField(max_length=32, unique=True, null=True, editable=False)

    class Meta:
        indexes = [models.Index(fields=["therapist"])]

    def __str__(self) -> str:
        return f"Client {self.pk}"

    @property
    def phone_to_dial(self) -> str:
        """The phone as a ``tel:`` link dials it: digits, after a leading "+" if any. In an
        international number a trunk "(0)" is left out ("+44 (0)161" dials +44161)."""
        phone = self.phone.strip()
        if phone.startswith("+"):
            return "+" + "".join(c for c in phone.replace("(0)", "") if c.isdigit())
        return "".join(c for c in phone if c.isdigit())


class Phase(models.TextChoices):
    # The relationship's stages, as nursing practice standards frame them (PRACTICES.md).
    ESTABLISHING = "establishing", _("Establishing")
    MAINTAINING = "maintaining", _("Maintaining")
    ENDING = "ending", _("Ending")
    CLOSED = "closed", _("Closed")


class AttendanceBasis(models.TextChoices):
    # Mandated clients need the obligation acknowledged and a goal of their own (PRACTICES.md).
    VOLUNTARY = "voluntary", _("Voluntary")
    MANDATED_LEGAL = "mandated_legal", _("Mandated: legal obligation")
    MANDATED_FAMILY = "mandated_family", _("Mandated: family obligation")
    MANDATED_WORK = "mandated_work", _("Mandated: work obligation")


class EndReason(models.TextChoices):
    PLANNED = "planned", _("Planned ending")
    DROPPED_OUT = "dropped_out", _("Client dropped out")
    REFERRED = "referred", _("Referred on")


class Episode(models.Model):
    """One course of care for a client, from first contact to ending."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="episodes")
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.ESTABLISHING
    )
    attendance_basis = models.CharField(
        _("attendance"),
        max_length=20,
        choices=AttendanceBasis.choices,
        default=AttendanceBasis.VOLUNTARY,
    )
    # Free text about the client ("court order, probation officer ..."): encrypted.
    referral_source = EncryptedTextField(_("referral source"), blank=True, default="")
    started_on = models.DateField(_("start date"))
    ended_on = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    ending_summary = EncryptedTextField(_("ending summary"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="episode_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.phase != Phase.CLOSED

    @property
    def is_mandated(self) -> bool:
        return self.attendance_basis != AttendanceBasis.VOLUNTARY


class GoalStatus(models.TextChoices):
    # Written by the client on their "Your goals" link and not yet talked through: agreement
    # on goals is a part of the alliance (Bordin), so a goal only one of them wrote is not an
    # agreed goal. The therapist agrees it (Working on it, reworded together or not) or sets
    # it aside; until then it counts nowhere agreed goals are counted (monitoring.selectors).
    TO_AGREE = "to_agree", _("Written by the client: to talk through")
    ACTIVE = "active", _("Working on it")
    ACHIEVED = "achieved", _("Achieved")
    SET_ASIDE = "set_aside", _("Set aside")


class Goal(models.Model):
    """A goal in the client's own words: agreement on goals is one part of the alliance."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="goals")
    text = EncryptedTextField(_("goal, in the client's own words"))
    status = models.CharField(
        _("status"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The key of the form that added the goal, as Client.creation_key: the same form sent
    # twice (a double click, a reload) gives back the goal it made instead of a second one.
    creation_key = models.CharField(max_length=32, null=True, editable=False)
    # Written by the client on their "Your goals" link (check-ins), not typed by the
    # therapist: the page says so, with the date, for the two of them to discuss and agree.
    written_by_client = models.BooleanField(_("written by the client"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # Per episode: a key sent to another episode's form is no clash, just a new goal.
            models.UniqueConstraint(
                fields=["episode", "creation_key"], name="goal_created_once_per_form"
            ),
        ]

    def __str__(self) -> str:
        return f"Goal {self.pk}"

    @property
    def is_to_agree(self) -> bool:
        return self.status == GoalStatus.TO_AGREE

    def status_choices(self) -> list[tuple[str, Any]]:
        """The statuses this goal can be given: "to talk through" only for a goal still in
        the client's own words (it says "written by the client"), or one still so. A goal
        the client wrote and the therapist agreed or set aside by mistake can be set back
        to it; one the therapist typed or reworded never is."""
        return [
            (value, label)
            for value, label in GoalStatus.choices
            if value != GoalStatus.TO_AGREE or self.is_to_agree or self.written_by_client
        ]


class Modality(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class Attendance(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ATTENDED = "attended", _("Attended")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("Did not attend")


#: The session did not take place: nothing can be asked about it or uploaded for it.
MISSED = (Attendance.CANCELLED, Attendance.NO_SHOW)


class CancelledBy(models.TextChoices):
    # Who called a cancelled appointment off. Only the client's own cancellations (and
    # no-shows) say something about the client's engagement, so only they count towards
    # dropout risk (monitoring.series); one the therapist or the clinic called off does not.
    # "Not recorded": cancelled before Rapport asked (migration clinic 0011), or by a caller
    # that did not say; counted as before, as the client's (see docs/monitoring.md).
    CLIENT = "client", _("The client")
    CLINIC = "clinic", _("The therapist or the clinic")
    UNKNOWN = "unknown", _("Not recorded")


class Appointment(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=50)
    modality = models.CharField(
        _("modality"), max_length=20, choices=Modality.choices, default=Modality.IN_PERSON
    )
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, default=Attendance.SCHEDULED
    )
    # Cancelled because the episode ended (services.episode_end), not by the client: the
    # client page says "Cancelled: episode ended".
    cancelled_by_ending = models.BooleanField(default=False, editable=False)
    # Who cancelled it (CancelledBy); empty while it is not cancelled.
    cancelled_by = models.CharField(
        _("cancelled by"), max_length=10, choices=CancelledBy.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["episode", "starts_at"])]
        constraints = [
            # One appointment at a time per episode (appointment_create checks it first, this
            # holds it when two bookings race): twice at one time would count twice in
            # attendance and in the check-ins expected. A cancelled one frees its slot, so
            # the session can be booked again at the same time.
            models.UniqueConstraint(
                fields=["episode", "starts_at"],
                condition=~models.Q(attendance=Attendance.CANCELLED),
                name="one_appointment_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk}"
