from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        register_nav_entry(NavEntry("metrics", "Metrics", "metrics:page", order=60))

    def load_demo(self, tenant, *, main: bool, users: list, **options) -> None:
        """Spend, dated status histories, conversations, hand-offs and non-target cohorts (``load_demo``
        command; last, after every other app's demo)."""
        from .demo import load_demo

        load_demo(tenant, users=users, seed=41 if main else 43, main=main)
