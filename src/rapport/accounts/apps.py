from django.apps import AppConfig


def _own_password_chosen(sender, request, user, **kwargs) -> None:
    """The user chose their own password (changed it, or reset it by email): the one an
    admin set is gone."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])


class AccountsConfig(AppConfig):
    name = "rapport.accounts"
    label = "accounts"

    def ready(self) -> None:
        from allauth.account.signals import password_changed, password_reset

        password_changed.connect(_own_password_chosen, dispatch_uid="rapport-own-password")
        password_reset.connect(_own_password_chosen, dispatch_uid="rapport-own-password-reset")
