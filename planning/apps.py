from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Account planning"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry
        from accounts.extensions import AccountSection, register_account_section

        from .selectors import account_plan_card

        register_nav_entry(NavEntry("planning", "Planning", "planning:page", order=55))
        register_account_section(
            AccountSection(
                name="planning",
                template_name="planning/account_card.html",
                context=lambda account: {"planning": account_plan_card(account)},
                order=50,
                lazy=True,
            )
        )

    def load_demo(self, tenant, *, main: bool, users: list, **options) -> None:
        """Plans for the top accounts, reviews (one account overdue), hand-offs in each state."""
        from .demo import load_demo

        load_demo(tenant, users=users)
