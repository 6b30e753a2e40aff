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
