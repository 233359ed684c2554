from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "rapport.checkins"
    label = "checkins"

    def ready(self) -> None:
        from rapport.checkins import panels
        from rapport.checkins.demo import add_demo_responses
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension

        register_client_panel(panels.RISK_ORDER, panels.risk_panel)
        register_client_panel(panels.CHECKINS_ORDER, panels.checkins_panel)
        register_demo_extension(add_demo_responses)
