"""Input validation for the clinic admins' guidance library pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.guidance.library import CONDITIONS
from rapport.guidance.models import Origin
from rapport.guidance.services import CONFIRMATION_FIELD
from rapport.monitoring.kinds import KIND_LABELS
from rapport.monitoring.signals.model import KINDS

KIND_CHOICES = [(k, KIND_LABELS[k]) for k in KINDS]
CONDITION_CHOICES = list(CONDITIONS.items())


class StrategyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("What to do"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text=_("Concrete and short: what the therapist can say or do in the next session."),
    )
    sources = forms.CharField(
        label=_("Sources"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("One citation per line. Every strategy says where it comes from."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Shown with these signals"),
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    conditions = forms.MultipleChoiceField(
        label=_("Only when all of these hold"),
        choices=CONDITION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    unless = forms.MultipleChoiceField(
        label=_("Never when any of these hold"),
        choices=CONDITION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=100,
        initial=50,
        error_messages={
            "invalid": _("Enter the priority as a whole number from 0 to 100."),
            "min_value": _("Enter the priority as a whole number from 0 to 100."),
            "max_value": _("Enter the priority as a whole number from 0 to 100."),
        },
        help_text=_("Among strategies that fit equally well, higher comes first."),
    )
    show_goals = forms.BooleanField(label=_("Show the client's goals with it"), required=False)
    safety = forms.BooleanField(
        label=_("Safety step: it prompts therapists to ask about risk"),
        required=False,
        help_text=_(
            "A safety step is disabled or narrowed (fewer alerts or clients) only after you "
            "confirm it, and is shown first wherever it fits."
        ),
    )

    def __init__(self, *args, strategy=None, **kwargs):
        """``strategy``: the safety step being edited, if it is one; its page asks for the
        confirmation that the service needs before narrowing it."""
        super().__init__(*args, **kwargs)
        if strategy is None or not strategy.safety:
            return
        if strategy.origin == Origin.LIBRARY:
            # The library's marking stays (services refuse to remove it): show it, fixed.
            self.fields["safety"].disabled = True
            self.fields["safety"].help_text = _("Marked as a safety step in the Rapport library.")
        self.fields[CONFIRMATION_FIELD] = forms.BooleanField(
            label=_(
                "I understand that therapists will no longer be prompted by this strategy to "
                "ask about safety with the alerts or clients this change removes."
            ),
            required=False,
            help_text=_(
                "Needed only for a change that stops this strategy being shown with an alert "
                "or for some clients, or that removes its safety marking."
            ),
        )

    def clean(self):
        data = super().clean()
        both = set(data.get("conditions") or ()) & set(data.get("unless") or ())
        if both:
            self.add_error("unless", _("A condition cannot be both required and excluded."))
        return data


class SafetyDisableForm(forms.Form):
    """The admin's explicit "yes" before a safety step stops being shown."""

    understood = forms.BooleanField(
        label=_(
            "I understand that therapists will no longer be prompted by this strategy to "
            "ask about safety."
        ),
        error_messages={
            "required": _(
                "This strategy prompts therapists to ask about safety. Tick the box to "
                "confirm you want to disable it."
            )
        },
    )
