"""allauth's two-factor forms with the app's labels (settings.MFA_FORMS).

Only the words change: the field, its checks (the code, the rate limit, the recovery
codes), what a valid form does and allauth's flows are allauth's. allauth's code fields
carry a "Code" placeholder, grey text that vanishes on typing and that a visible label
already covers; the sign-in and confirm-access fields had no visible label at all."""

from __future__ import annotations

from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.totp.forms import ActivateTOTPForm
from django import forms
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ActivateAuthenticatorAppForm",
    "ConfirmAccessWithCodeForm",
    "SignInCodeForm",
]

#: Either kind of code is accepted by allauth's form (BaseAuthenticateForm.clean_code
#: tries the authenticator app, then the recovery codes).
CODE_LABEL = _("6-digit code from your authenticator app, or a recovery code")


def _labelled(form: forms.Form, label, help_text=None) -> None:
    field = form.fields["code"]
    field.label = label
    if help_text is not None:
        field.help_text = help_text
    field.widget.attrs.pop("placeholder", None)


class SignInCodeForm(AuthenticateForm):
    """The second step of signing in (allauth's mfa_authenticate)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _labelled(self, CODE_LABEL)


class ConfirmAccessWithCodeForm(ReauthenticateForm):
    """ "Confirm access" with a code, before a two-factor setting changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _labelled(self, CODE_LABEL)


class ActivateAuthenticatorAppForm(ActivateTOTPForm):
    """The authenticator app's set-up: allauth's label ("Authenticator code") without
    its placeholder. Only a code from the new app turns it on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _labelled(self, _("Authenticator code"), _("The 6-digit code the app shows now."))
