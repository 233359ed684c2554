from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "rapport.checkins"
    label = "checkins"

    def ready(self) -> None:
        from rapport.checkins import panels, preferences
        from rapport.checkins.demo import add_demo_responses
        from rapport.checkins.selectors import (
            clients_with_open_refused_risk,
            crisis_text_settings_note,
            rating_of_the_session,
        )
        from rapport.checkins.services import (
            revoke_links_about_a_missed_session,
            revoke_links_of_an_ended_episode,
        )
        from rapport.core.hooks import (
            on_attendance_changed,
            on_clinic_settings_note,
            on_episode_ended,
            on_open_risk_notices,
            on_session_rating,
        )
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension

        register_client_panel(panels.RISK_ORDER, panels.risk_panel)
        register_client_panel(panels.CHECKINS_ORDER, panels.checkins_panel)
        register_client_panel(preferences.PREFERENCES_ORDER, preferences.preferences_panel)
        register_demo_extension(add_demo_responses)
        # Clinic code changes attendance and ends episodes without importing check-ins: these
        # listeners revoke the links the change leaves pointless (and risky: a risk answer
        # stored in a closed episode is seen by nobody).
        on_attendance_changed(revoke_links_about_a_missed_session)
        on_episode_ended(revoke_links_of_an_ended_episode)
        # And it asks whether the client rated a session before recording it as not attended.
        on_session_rating(rating_of_the_session)
        # The clinic settings page warns when a measure with a risk item is used but the
        # clinic has not set its own crisis text (the client would be given no number).
        on_clinic_settings_note(crisis_text_settings_note)
        # A risk answer refused on a link that could no longer be used is kept as a notice
        # only: the caseload (clinic) and the monitoring panel ask for open ones through the
        # hook, so the client comes first and the panel does not read as all-clear.
        on_open_risk_notices(clients_with_open_refused_risk)
