from django.apps import AppConfig


class TranscriptsConfig(AppConfig):
    name = "rapport.transcripts"
    label = "transcripts"
