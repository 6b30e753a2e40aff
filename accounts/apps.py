from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Target accounts"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry

        from . import receivers  # noqa: F401 (connects the receivers)

        register_nav_entry(NavEntry("accounts", "Accounts", "accounts:page", order=10))
        register_nav_entry(NavEntry("contacts", "Contacts", "contacts:page", order=20))

    def load_demo(self, tenant, *, main: bool, users: list, accounts: int) -> None:
        """The demo's target accounts (``load_demo`` command)."""
        from .demo import load_demo_accounts

        load_demo_accounts(tenant, owners=users, count=accounts, seed=7 if main else 11)
