"""Input validation for alerts and the triage caseload. Forms validate; services write."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.core.people import is_the_reader, marked_as_you
from rapport.monitoring.kinds import KIND_LABELS
from rapport.monitoring.signals.model import KINDS


class DateInput(forms.DateInput):
    input_type = "date"


class AlertForm(forms.Form):
    """A form acting on an alert carries the alert's version as the page showed it
    (``services.alert_version``), for the service to compare with the alert's now. Not
    required: a form without one (a page from before it was sent) is refused like a changed
    alert, not let through. No id: the client page has several of these per alert."""

    shown = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"id": False})
    )

    def show_version(self, version: str) -> None:
        """Carry ``version`` from now on: the alert the page is about to show again."""
        if self.is_bound:
            data = self.data.copy()  # type: ignore[attr-defined]  # a QueryDict or a dict
            data["shown"] = version
            self.data = data
        else:
            self.initial["shown"] = version


class AcknowledgeForm(AlertForm):
    """Only the version: the button is the whole form (CSRF still applies)."""


class LogActionForm(AlertForm):
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
            # On the first of the two fields, not the form: a form-wide error was tied to no
            # control (no aria-invalid, no link from the error summary to the field).
            self.add_error("strategy", _("Choose a strategy or describe what you did."))
            return data
        data["strategy"] = self.strategies.get(data.get("strategy") or "")
        return data


class DismissForm(AlertForm):
    reason = forms.CharField(
        label=_("Why does this not need action?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept encrypted with the alert."),
    )


class SnoozeForm(AlertForm):
    until = forms.DateField(label=_("Snooze until"), widget=DateInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "until", timezone.localdate() + dt.timedelta(days=7)
        )
        super().__init__(*args, **kwargs)


#: The filter value for clients with a risk answer nobody has followed up yet. Not a
#: signal kind (it comes from the answers, not the detectors), but the first thing the
#: caseload asks for: any positive answer on PHQ-9 item 9 calls for a risk assessment
#: whatever the total (Kroenke, Spitzer & Williams 2001).
RISK_ANSWER = "risk_answer"


class TriageFilterForm(forms.Form):
    """Filters of the triage caseload: alert kind (or an open risk answer) and, for a
    supervisor, therapist. A value the page does not offer (an old bookmark, a hand-edited
    address) is refused with a message naming it, and the caseload is shown unfiltered."""

    kind = forms.ChoiceField(
        label=_("Alert"),
        required=False,
        choices=[
            ("", _("All clients")),
            # "Open", which is also what it means: a followed-up answer leaves the list.
            (RISK_ANSWER, _("Open risk answer")),
            *[(k, KIND_LABELS[k]) for k in KINDS],
        ],
        error_messages={
            "invalid_choice": _("Unknown alert kind '%(value)s'; showing all clients.")
        },
    )
    therapist = forms.TypedChoiceField(
        label=_("Therapist"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={
            "invalid_choice": _(
                "No therapist '%(value)s' among the people whose clients you see; "
                "showing all clients."
            )
        },
    )

    def __init__(self, *args, therapists=(), you=None, **kwargs):
        super().__init__(*args, **kwargs)
        if len(therapists) <= 1:
            del self.fields["therapist"]  # a therapist sees only their own caseload
            return
        self.fields["therapist"].choices = [
            ("", _("Everyone")),
            *[(t.pk, therapist_label(t, you=you)) for t in therapists],
        ]


YOU, INACTIVE = "you", "inactive"


def therapist_mark(*, is_you: bool, active: bool) -> str:
    """The mark beside a therapist's name wherever the caseload names them: :data:`YOU` on
    the supervisor's own caseload, else :data:`INACTIVE` for an account that is no longer
    active (their clients still need someone), else none ("")."""
    if is_you:
        return YOU
    if not active:
        return INACTIVE
    return ""


def therapist_label(therapist, *, you=None) -> str:
    """A therapist's name as the caseload's filter offers it, in plain text: "Sam Lee (you)",
    "Sam Lee (inactive)". The table and the team figures show the same marks, the inactive
    one as a tag (``monitoring_tags.therapist_name``)."""
    name = str(therapist)
    mark = therapist_mark(is_you=is_the_reader(therapist, you), active=therapist.is_active)
    if mark == YOU:
        return marked_as_you(name)
    if mark == INACTIVE:
        return _("%(name)s (inactive)") % {"name": name}
    return name
