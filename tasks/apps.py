from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Tasks"

    def ready(self):
        from abs_platform.tenancy.home import register_home_chooser
        from abs_platform.web.navigation import NavEntry, register_nav_entry
        from accounts.extensions import AccountSection, register_account_section

        from .selectors import has_open_tasks

        register_nav_entry(NavEntry("my-day", "My day", "tasks:my-day", order=5))
        register_home_chooser(lambda user: "tasks:my-day" if has_open_tasks(user) else None)
        register_account_section(
            AccountSection(name="tasks", template_name="tasks/account_tasks_card.html", context=lambda account: {})
        )

    def load_demo(self, tenant, *, main: bool, **options) -> None:
        """Tasks for the demo users: overdue, due today, coming up, and done with their outcomes."""
        from .demo import load_demo

        load_demo(tenant, seed=23 if main else 29)
