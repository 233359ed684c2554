from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Role, User
from rapport.audit.models import Action


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_trainee = forms.BooleanField(label=_("Trainee therapist"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "At least 12 characters. Give it to them privately: at their first sign-in they "
            "must choose their own before anything else opens."
        ),
    )


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    is_trainee = forms.BooleanField(label=_("Trainee therapist"), required=False)
    is_active = forms.BooleanField(label=_("Active (may sign in)"), required=False)


class ClientsMoveForm(forms.Form):
    to_user = forms.ModelChoiceField(label=_("Move them to"), queryset=User.objects.none())

    def __init__(self, *args, from_user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = (
            User.objects.filter(
                clinic=from_user.clinic_id,
                is_active=True,
                role__in=(Role.THERAPIST, Role.SUPERVISOR),
            )
            .exclude(pk=from_user.pk)
            .order_by("email")
        )


class SupervisionForm(forms.Form):
    supervisor = forms.ModelChoiceField(label=_("Supervisor"), queryset=User.objects.none())
    supervisee = forms.ModelChoiceField(label=_("Supervisee"), queryset=User.objects.none())

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(clinic=clinic, is_active=True)
        self.fields["supervisor"].queryset = staff.filter(role=Role.SUPERVISOR)
        self.fields["supervisee"].queryset = staff.exclude(role=Role.ADMIN)


class ClinicSettingsForm(forms.Form):
    name = forms.CharField(label=_("Clinic name"), max_length=200)
    require_mfa = forms.BooleanField(
        label=_("Require two-factor authentication for all staff"), required=False
    )
    crisis_text = forms.CharField(
        label=_("Crisis text shown to clients"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=_("Shown to a client who reports thoughts of self-harm."),
    )
    transcript_retention_days = forms.IntegerField(
        label=_("Delete transcript text after (days, 0 = keep)"), min_value=0, max_value=3650
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(label=_("User email contains"), required=False, max_length=254)
    client = forms.IntegerField(label=_("Client id"), required=False, min_value=1)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any")), *Action.choices]
    )
