"""A therapist's matching profile, and referrals of a client to a better-matched colleague
(DESIGN §1 goal 6). Writes go through ``services.py``; reads through ``selectors.py``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.core.fields import EncryptedTextField
from rapport.matching.scoring import STYLE_MAX

__all__ = ["STYLE_FIELDS", "Referral", "ReferralStatus", "TherapistProfile"]

_STYLE = [MinValueValidator(-STYLE_MAX), MaxValueValidator(STYLE_MAX)]

#: The profile's style field for each C-NIP scale (``scoring.SCALES``).
STYLE_FIELDS = {
    "directiveness": "style_directiveness",
    "emotional_intensity": "style_emotional_intensity",
    "past_orientation": "style_past_orientation",
    "warm_support": "style_warm_support",
}


def _style_field(label):
    # -2 .. +2 on the C-NIP's sign convention (negative: the first pole); empty: not said.
    return models.SmallIntegerField(label, null=True, blank=True, validators=_STYLE)


class TherapistProfile(models.Model):
    """What a clinician works with and how, for ranking colleagues (``scoring.Candidate``).
    About the clinician, not a client: no client data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="matching_profile"
    )
    # Codes from ``choices`` (validated by the form and the service).
    focus_areas = models.JSONField(default=list, blank=True)
    approaches = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    style_directiveness = _style_field(_("how directive"))
    style_emotional_intensity = _style_field(_("how emotionally intense"))
    style_past_orientation = _style_field(_("past or present"))
    style_warm_support = _style_field(_("support or challenge"))
    accepting_referrals = models.BooleanField(_("accepting referrals"), default=True)
    capacity = models.PositiveSmallIntegerField(_("capacity (clients)"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__isnull": True})
                | models.Q(**{f"{name}__gte": -STYLE_MAX, f"{name}__lte": STYLE_MAX}),
                name=f"profile_{name}_in_range",
            )
            for name in STYLE_FIELDS.values()
        ]

    def __str__(self) -> str:
        return f"Matching profile of {self.user_id}"

    def style(self) -> dict[str, int | None]:
        return {scale: getattr(self, name) for scale, name in STYLE_FIELDS.items()}


class ReferralStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Referral(models.Model):
    """A therapist's proposal, with the client's consent, that a colleague takes the client
    on. The colleague sees the client's name, who refers them and why the fit is better;
    nothing of the record until they accept, when the client moves to them."""

    client = models.ForeignKey("clinic.Client", on_delete=models.CASCADE, related_name="referrals")
    from_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    to_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_received"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    # The needs the therapist chose (codes) and the ranking's fit and reasons at the time:
    # what the colleague is shown. Reasons are the ranking's own words, never free text,
    # and only those in favour ([text, True]): an unmet focus area or a leaning the
    # colleague's style misses is more of the client than the colleague needs to decide.
    focus_areas = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=10, blank=True)
    fit = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    consent_recorded_at = models.DateTimeField(_("client consent recorded"))
    responded_at = models.DateTimeField(null=True, blank=True)
    # When the referrer first saw the colleague's decline (the client page's referral
    # section, or the referrals page): until then their caseload says a referral was
    # declined, so a client who agreed to move is not left waiting on an answer nobody read.
    decline_seen_at = models.DateTimeField(null=True, blank=True)
    # Why the colleague declined, in their words (about the client: encrypted).
    decline_reason = EncryptedTextField(_("reason"), blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One open proposal per client: a form sent twice does not offer them twice.
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(status="proposed"),
                name="one_open_referral_per_client",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_therapist=models.F("to_therapist")),
                name="referral_to_someone_else",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == ReferralStatus.PROPOSED

    @property
    def reasons_in_favour(self) -> list[str]:
        """The stored reasons that speak for the colleague (the "+" ones), all the offer
        page shows: a row stored before only these were kept shows no more than one since."""
        return [
            row[0]
            for row in self.reasons
            if isinstance(row, list | tuple) and len(row) == 2 and row[1] is True
        ]
