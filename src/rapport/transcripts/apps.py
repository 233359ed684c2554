from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "rapport.transcripts"
    label = "transcripts"

    def ready(self) -> None:
        from rapport.core.panels import register_client_panel
        from rapport.demo import register_demo_extension
        from rapport.transcripts.demo import add_demo_transcripts
        from rapport.transcripts.panels import transcripts_panel

        register_client_panel(60, transcripts_panel)
        register_demo_extension(add_demo_transcripts)
