"""Staff accounts: clinic admins, supervisors and therapists (DESIGN §5).

Clients never have accounts: they only ever hold a single-use check-in link.
"""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Clinic admin")
    SUPERVISOR = "supervisor", _("Supervisor")
    THERAPIST = "therapist", _("Therapist")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("role", Role.ADMIN)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.THERAPIST)
    clinic = models.ForeignKey(
        "clinic.Clinic", on_delete=models.PROTECT, related_name="staff", null=True, blank=True
    )
    # Trainee therapists see more early dropout (Swift & Greenberg 2012); monitoring uses it.
    is_trainee = models.BooleanField(_("trainee therapist"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when a clinic admin chose this password: the admin knows it, so it is a one-time
    # key; the user picks their own before reaching anything else (RequirePasswordChange).
    must_change_password = models.BooleanField(_("must choose a new password"), default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def is_staff(self) -> bool:  # Django admin is not installed; kept for library checks
        return False

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST


class SupervisionLink(models.Model):
    """A supervisor sees the clients of each supervisee (DESIGN §5)."""

    supervisor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="supervisee_links")
    supervisee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="supervisor_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["supervisor", "supervisee"], name="unique_supervision_link"
            ),
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("supervisee")),
                name="no_self_supervision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supervisor} supervises {self.supervisee}"


class AccessNoticeKind(models.TextChoices):
    SUPERVISION_ADDED = "supervision_added", _("Supervisor linked to you")
    SUPERVISION_REMOVED = "supervision_removed", _("Supervisor unlinked from you")
    CLIENTS_MOVED_IN = "clients_moved_in", _("Clients moved to you")
    CLIENTS_MOVED_OUT = "clients_moved_out", _("Clients moved away from you")
    PASSWORD_SET = "password_set", _("Your password was set by someone else")
    SUPERVISOR_SUSPENDED = "supervisor_suspended", _("Your supervisor's account made inactive")
    MFA_RESET = "mfa_reset", _("Your second factors were removed by someone else")


class AccessNotice(models.Model):
    """Something an admin (or an operator) did that changes who can see a clinician's
    clients, or who can sign in as them (a password set, second factors removed), told to
    the clinician on their caseload until they mark it seen
    (``services.access_notices_mark_seen``): the audit log says so too, but only the admin
    reads it (DESIGN §5). Staff names and a count, never a client."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_notices")
    kind = models.CharField(max_length=30, choices=AccessNoticeKind.choices)
    # Who did it, kept as text too: the account may be deleted or renamed later.
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    # The other person (the supervisor linked or unlinked, the colleague whose clients
    # came or went), as their email at the time.
    other_label = models.CharField(max_length=254, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["user", "seen_at"], name="access_notice_unseen")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
