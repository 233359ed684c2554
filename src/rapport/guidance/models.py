"""Each clinic's copy of the guidance library (strategies shown with every alert).

The shipped library (``strategies.json``) is copied into a clinic the first time the clinic
needs it; from then on the clinic's admins edit, disable and add strategies here. Strategy
text is professional guidance, not client data.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Origin(models.TextChoices):
    LIBRARY = "library", _("Rapport library")
    CLINIC = "clinic", _("Added by the clinic")


class Strategy(models.Model):
    clinic = models.ForeignKey("clinic.Clinic", on_delete=models.CASCADE, related_name="strategies")
    slug = models.SlugField(max_length=80)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what to do"))
    # One citation per line: every strategy says where it comes from.
    sources = models.TextField(_("sources"))
    kinds = models.JSONField(_("signal kinds"), default=list)
    conditions = models.JSONField(_("fits only when"), default=list)
    unless = models.JSONField(_("not when"), default=list)
    priority = models.PositiveSmallIntegerField(_("priority"), default=50)
    show_goals = models.BooleanField(_("show the client's goals with it"), default=False)
    # A safety step (it prompts asking about risk): disabling or narrowing it needs the
    # admin's explicit confirmation (services), and it is never crowded out of an alert it
    # fits (library.choose). From the library's "safety" field, or set by the clinic for
    # its own strategies.
    safety = models.BooleanField(_("safety step"), default=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.CLINIC)
    edited = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "slug"], name="unique_strategy_slug"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_list(self) -> list[str]:
        return [line.strip() for line in self.sources.splitlines() if line.strip()]
