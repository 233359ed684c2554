from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "rapport.checkins"
    label = "checkins"

    def ready(self) -> None:
        from rapport.checkins import panels, preferences
        from rapport.checkins.demo import add_demo_responses
        from rapport.checkins.services import revoke_links_about_a_missed_session
        from rapport.core.hooks import on_attendance_changed
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension

        register_client_panel(panels.RISK_ORDER, panels.risk_panel)
        register_client_panel(panels.CHECKINS_ORDER, panels.checkins_panel)
        register_client_panel(preferences.PREFERENCES_ORDER, preferences.preferences_panel)
        register_demo_extension(add_demo_responses)
        on_attendance_changed(revoke_links_about_a_missed_session)
