from django.apps import AppConfig


def _own_password_chosen(sender, request, user, **kwargs) -> None:
    """The user chose their own password (changed it, or reset it by email): the one an
    admin set is gone."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


# The audit log's sign-in and account-security rows (rapport.accounts.security_audit):
# each receiver passes the signal on, and stores nothing the signal carries but the user.


def _signed_in(sender, request, user, **kwargs) -> None:
    from rapport.accounts import security_audit
    from rapport.accounts.middleware import session_signed_in

    session_signed_in(request)
    security_audit.signed_in(user=user, request=request)


def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    from rapport.accounts import security_audit

    # ``credentials`` as Django passes them on: the password already masked, never read.
    security_audit.sign_in_failed(email=credentials.get("email"), request=request)


def _signed_out(sender, request, user, **kwargs) -> None:
    from rapport.accounts import security_audit
    from rapport.accounts.middleware import ended_by_session_limit

    if user is None:  # signing out without being signed in
        return
    security_audit.signed_out(
        user=user, request=request, session_limit=ended_by_session_limit(request)
    )


def _own_password_audited(how: str):
    def receiver(sender, request, user, **kwargs) -> None:
        from rapport.accounts import security_audit

        security_audit.own_password_chosen(user=user, request=request, how=how)

    return receiver


def _authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    from rapport.accounts import security_audit

    security_audit.authenticator_added(user=user, authenticator=authenticator, request=request)


def _authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    from rapport.accounts import security_audit

    # Without a request the removal is an admin's (or the command line's) reset of the
    # user's second factors, which accounts.services.mfa_reset audits itself.
    if request is None:
        return
    security_audit.authenticator_removed(user=user, authenticator=authenticator, request=request)


def _authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    from rapport.accounts import security_audit

    security_audit.authenticator_reset(user=user, request=request)


def _authenticator_used(sender, request, user, authenticator, **kwargs) -> None:
    from allauth.mfa.models import Authenticator

    from rapport.accounts import security_audit

    if authenticator.type == Authenticator.Type.RECOVERY_CODES:
        security_audit.authenticator_used(user=user, request=request)


def _mfa_code_rejected(sender, request, user, authenticator, **kwargs) -> None:
    from rapport.accounts import security_audit

    security_audit.mfa_code_rejected(user=user, request=request)


class AccountsConfig(AppConfig):
    name = "rapport.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set
        from allauth.account.signals import user_logged_in as allauth_signed_in
        from allauth.mfa import signals as mfa_signals
        from django.contrib.auth.signals import user_logged_out, user_login_failed

        password_changed.connect(_own_password_chosen, dispatch_uid="rapport-own-password")
        password_reset.connect(_own_password_chosen, dispatch_uid="rapport-own-password-reset")

        # allauth's "signed in", not Django's: sent once a sign-in through allauth's pages
        # (the app's only way in) is complete, second factor included. Django's is sent by
        # every login() call, a test's force_login too, and adds nothing in the app.
        allauth_signed_in.connect(_signed_in, dispatch_uid="rapport-audit-signed-in")
        user_login_failed.connect(_sign_in_failed, dispatch_uid="rapport-audit-sign-in-failed")
        user_logged_out.connect(_signed_out, dispatch_uid="rapport-audit-signed-out")
        for signal, how in (
            (password_changed, "changed"),
            (password_reset, "reset"),
            (password_set, "set"),
        ):
            signal.connect(
                _own_password_audited(how),
                dispatch_uid=f"rapport-audit-own-password-{how}",
                weak=False,
            )
        for signal, receiver in (
            (mfa_signals.authenticator_added, _authenticator_added),
            (mfa_signals.authenticator_removed, _authenticator_removed),
            (mfa_signals.authenticator_reset, _authenticator_reset),
            (mfa_signals.authenticator_used, _authenticator_used),
            (mfa_signals.authentication_failed, _mfa_code_rejected),
        ):
            signal.connect(receiver, dispatch_uid=f"rapport-audit-{receiver.__name__}")
