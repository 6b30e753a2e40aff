from django.apps import AppConfig


class PlaysConfig(AppConfig):
    name = "plays"
    verbose_name = "Plays"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry
        from accounts.extensions import AccountSection, register_account_section

        from . import receivers  # noqa: F401 (connects the receivers)

        register_nav_entry(NavEntry("plays", "Plays", "plays:page", order=50))
        register_account_section(
            AccountSection(name="plays", template_name="plays/account_plays_card.html", context=lambda account: {})
        )

    def load_demo(self, tenant, *, main: bool, **options) -> None:
        """The playbook, offers, a trigger rule and runs in flight (after teams and tasks)."""
        from .demo import load_demo

        load_demo(tenant, runs=6 if main else 2)
