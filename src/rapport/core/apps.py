from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"

    def ready(self) -> None:
        from rapport.core import checks  # noqa: F401 - registers the system checks
