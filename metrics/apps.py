from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self):
        from abs_platform.tenancy.home import register_home_chooser
        from abs_platform.web.navigation import NavEntry, register_nav_entry
        from accounts.selectors import workspace_has_accounts

        register_nav_entry(NavEntry("dashboard", "Dashboard", "metrics:dashboard", order=6))
        # After "My day" (tasks is earlier in INSTALLED_APPS); a workspace without accounts opens on Accounts,
        # which says what to do first.
        register_home_chooser(lambda user: "metrics:dashboard" if workspace_has_accounts() else None)

    def load_demo(self, tenant, *, main: bool, users: list, **options) -> None:
        """Spend, dated status histories, conversations, hand-offs and non-target cohorts (``load_demo``
        command; last, after every other app's demo)."""
        from .demo import load_demo

        load_demo(tenant, users=users, seed=41 if main else 43, main=main)
