from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "rapport.guidance"
    label = "guidance"
