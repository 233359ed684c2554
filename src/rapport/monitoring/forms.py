"""Input validation for alerts and the triage caseload. Forms validate; services write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.monitoring.kinds import KIND_LABELS
from rapport.monitoring.signals.model import KINDS


class DateInput(forms.DateInput):
    input_type = "date"


class AcknowledgeForm(forms.Form):
    """No fields: the button is the whole form (CSRF still applies)."""


class LogActionForm(forms.Form):
    strategy = forms.ChoiceField(label=_("What did you try?"), required=False)
    note = forms.CharField(
        label=_("In your own words"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you did and how the client responded. Kept encrypted."),
    )
    performed_on = forms.DateField(label=_("When"), widget=DateInput)

    def __init__(self, *args, strategies=(), **kwargs):
        kwargs.setdefault("initial", {}).setdefault("performed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.strategies = {str(s.pk): s for s in strategies}
        self.fields["strategy"].choices = [
            ("", _("Something else (describe below)")),
            *[(key, s.title) for key, s in self.strategies.items()],
        ]

    def clean(self):
        data = super().clean()
        if not data.get("strategy") and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Choose a strategy or describe what you did."))
        data["strategy"] = self.strategies.get(data.get("strategy") or "")
        return data


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does this not need action?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept encrypted with the alert."),
    )


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Snooze until"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "until", timezone.localdate() + dt.timedelta(days=7)
        )
        super().__init__(*args, **kwargs)


class TriageFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Alert"),
        required=False,
        choices=[("", _("All clients")), *[(k, KIND_LABELS[k]) for k in KINDS]],
    )
    therapist = forms.TypedChoiceField(
        label=_("Therapist"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, therapists=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(therapists) <= 1:
            del self.fields["therapist"]  # a therapist sees only their own caseload
            return
        self.fields["therapist"].choices = [
            ("", _("Everyone")),
            *[(t.pk, str(t)) for t in therapists],
        ]
