from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        register_nav_entry(NavEntry("metrics", "Metrics", "metrics:page", order=60))
