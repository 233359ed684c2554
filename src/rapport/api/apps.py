from django.apps import AppConfig


def _own_password_chosen(sender, request, user, **kwargs) -> None:
    """The user changed, set or reset their own password (allauth's pages): their tokens
    end as they do when an admin sets one (``core.hooks.AccountChange.PASSWORD``)."""
    from rapport.api.services import api_tokens_revoke_after_account_change
    from rapport.core.hooks import AccountChange

    api_tokens_revoke_after_account_change(
        user, change=AccountChange.PASSWORD, actor=user, request=request
    )


class ApiConfig(AppConfig):
    name = "rapport.api"
    label = "api"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset, password_set

        from rapport.api.services import api_tokens_revoke_after_account_change
        from rapport.core.hooks import on_account_access_changed

        # Accounts code changes passwords, roles and whether an account is active without
        # importing the API: this listener revokes the tokens such a change must end.
        on_account_access_changed(api_tokens_revoke_after_account_change)
        # A user's own password change goes through allauth's pages, which say so by
        # these signals (as accounts.apps listens to them for must_change_password).
        for signal, uid in (
            (password_changed, "rapport-api-tokens-password-changed"),
            (password_reset, "rapport-api-tokens-password-reset"),
            (password_set, "rapport-api-tokens-password-set"),
        ):
            signal.connect(_own_password_chosen, dispatch_uid=uid)
