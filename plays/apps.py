from django.apps import AppConfig


class PlaysConfig(AppConfig):
    name = "plays"
    verbose_name = "Plays"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        register_nav_entry(NavEntry("plays", "Plays", "plays:page", order=50))
