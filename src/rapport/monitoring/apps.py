from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "rapport.monitoring"
    label = "monitoring"
