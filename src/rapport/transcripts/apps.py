from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "rapport.transcripts"
    label = "transcripts"

    def ready(self) -> None:
        from rapport.core.hooks import on_clinic_settings_note
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension
        from rapport.transcripts.demo import add_demo_transcripts
        from rapport.transcripts.panels import transcripts_panel
        from rapport.transcripts.selectors import retention_settings_note

        register_client_panel(60, transcripts_panel)
        register_demo_extension(add_demo_transcripts)
        # The clinic settings page (accounts) says how the retention rule is kept.
        on_clinic_settings_note(retention_settings_note)
