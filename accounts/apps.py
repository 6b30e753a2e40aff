from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Target accounts"

    def load_demo(self, tenant, *, main: bool, users: list, accounts: int) -> None:
        """The demo's target accounts (``load_demo`` command)."""
        from .demo import load_demo_accounts

        load_demo_accounts(tenant, owners=users, count=accounts, seed=7 if main else 11)
