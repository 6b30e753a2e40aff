from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Account teams"

    def ready(self):
        from . import receivers  # noqa: F401 (connects the receivers)
