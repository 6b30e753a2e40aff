from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = "Outbound webhooks"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_settings_entry

        from . import receivers  # noqa: F401  (connects the receivers)

        register_settings_entry(NavEntry("webhooks", "Webhooks", "webhooks:page", order=30))
