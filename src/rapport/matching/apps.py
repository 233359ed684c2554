from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "rapport.matching"
    label = "matching"

    def ready(self) -> None:
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension
        from rapport.matching.demo import add_demo_profiles
        from rapport.matching.panels import REFERRAL_ORDER, referral_panel

        register_client_panel(REFERRAL_ORDER, referral_panel)
        register_demo_extension(add_demo_profiles)
