"""Forms of the matching pages: they validate input; services write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.matching.choices import APPROACHES, FOCUS_AREAS, MAX_LANGUAGES, languages_by_name
from rapport.matching.models import STYLE_FIELDS
from rapport.matching.scoring import SCALES
from rapport.matching.services import DECLINE_REASON_MAX

__all__ = ["DecisionForm", "NeedsForm", "ProfileForm", "ProposeForm"]


def _style_choices(poles: tuple[str, str]) -> list[tuple[str, Any]]:
    first, second = poles
    return [
        ("", _("Not said")),
        ("-2", _("Clearly to %(pole)s") % {"pole": first.lower()}),
        ("-1", _("Leaning to %(pole)s") % {"pole": first.lower()}),
        ("0", _("Balanced")),
        ("1", _("Leaning to %(pole)s") % {"pole": second.lower()}),
        ("2", _("Clearly to %(pole)s") % {"pole": second.lower()}),
    ]


def _ticks(label, choices, help_text="") -> forms.MultipleChoiceField:
    """An optional set of tick boxes from one of the fixed lists (choices.py)."""
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


def _language_needed_choices() -> list[tuple[str, Any]]:
    return [("", _("None needed")), *languages_by_name()]


class ProfileForm(forms.Form):
    focus_areas = _ticks(
        _("What you work with"),
        FOCUS_AREAS,
        help_text=_("The difficulties you are experienced in: this counts most in the fit."),
    )
    approaches = _ticks(
        _("Approaches you work in"),
        APPROACHES,
        help_text=_("Counted when a client asks for an approach."),
    )
    languages = _ticks(
        _("Languages you work in"),
        languages_by_name,
        help_text=_(
            "At most %(n)d. When a client needs a language, only colleagues who work in it "
            "are offered."
        )
        % {"n": MAX_LANGUAGES},
    )
    accepting_referrals = forms.BooleanField(
        label=_("I am accepting referrals from colleagues"), required=False
    )
    capacity = forms.IntegerField(
        label=_("How many clients you take at most"),
        required=False,
        min_value=1,
        max_value=500,
        error_messages={
            "invalid": _("Enter a whole number of clients from 1 to 500, or leave it empty."),
            "min_value": _("Enter a whole number of clients from 1 to 500, or leave it empty."),
            "max_value": _("Enter a whole number of clients from 1 to 500, or leave it empty."),
        },
        help_text=_(
            "Your current clients count (as your caseload lists them: in therapy, or waiting to "
            "start). At capacity, you are not offered referrals. "
            "Leave it empty for no limit."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for scale in SCALES:
            self.fields[STYLE_FIELDS[scale.id]] = forms.TypedChoiceField(
                label=_("Your usual style: %(label)s") % {"label": scale.label.lower()},
                choices=_style_choices(scale.poles),
                coerce=int,
                empty_value=None,
                required=False,
                help_text=_(
                    "How you usually work. It is compared with a client's preference for "
                    "%(first)s or %(second)s (their C-NIP questionnaire); “Not said” counts as "
                    "neither for nor against."
                )
                % {"first": scale.poles[0].lower(), "second": scale.poles[1].lower()},
            )

    def clean_languages(self):
        languages = self.cleaned_data["languages"]
        if len(languages) > MAX_LANGUAGES:
            raise forms.ValidationError(_("List at most %(n)d languages.") % {"n": MAX_LANGUAGES})
        return languages

    def style(self) -> dict[str, int | None]:
        return {scale: self.cleaned_data.get(name) for scale, name in STYLE_FIELDS.items()}


class NeedsForm(forms.Form):
    """What the client needs, as the therapist and the client put it (sent by GET: the
    ranking changes nothing)."""

    focus_areas = _ticks(_("What the client comes for"), FOCUS_AREAS)
    approaches = _ticks(
        _("Approaches the client asks for"),
        APPROACHES,
        help_text=_("Optional: only if the client prefers a way of working."),
    )
    language = forms.ChoiceField(
        label=_("A language the client needs their therapist to speak"),
        choices=_language_needed_choices,
        required=False,
    )


class ProposeForm(NeedsForm):
    to_therapist = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose the colleague to offer the referral to.")},
    )
    consent = forms.BooleanField(
        label=_("The client agreed to be referred"),
        required=False,
        help_text=_(
            "Talk it through with the client first: the referral reflects the fit, not a "
            "judgment of them."
        ),
    )

    def clean_consent(self):
        if not self.cleaned_data.get("consent"):
            raise forms.ValidationError(
                _("Tick that the client agreed to be referred: a referral needs their consent.")
            )
        return True


class DecisionForm(forms.Form):
    ACCEPT, DECLINE = "accept", "decline"

    referral = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[(ACCEPT, _("Accept")), (DECLINE, _("Decline"))])
    reason = forms.CharField(
        label=_("Why you decline"),
        required=False,
        max_length=DECLINE_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.DECLINE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why, for the referring colleague."))
        return data
