from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = "Data health checks"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        register_nav_entry(NavEntry("data-health", "Data health", "checks:page", order=58))
