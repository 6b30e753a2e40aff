from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Account teams"

    def ready(self):
        from django.urls import reverse

        from abs_platform.tenancy.context import get_current_tenant
        from abs_platform.web.navigation import NavEntry, register_nav_entry
        from accounts.extensions import AccountSection, register_account_annotations, register_account_section

        from . import receivers  # noqa: F401 (connects the receivers)
        from .selectors import account_team_card, accounts_with_teams

        def card(account):
            url = reverse("browser-api:team-account-list", kwargs={"tenant_slug": get_current_tenant().slug})
            return {"account_team": account_team_card(account) | {"team_account_url": url}}

        register_nav_entry(NavEntry("teams", "Teams", "teams:page", order=45))
        register_account_annotations(accounts_with_teams)
        register_account_section(
            AccountSection(name="teams", template_name="teams/account_card.html", context=card, lazy=True)
        )

    def load_demo(self, tenant, *, main: bool, users, **options) -> None:
        """Teams, their members and the roles each tier requires (``load_demo`` command; after the ICP's
        tiers, which the rules name)."""
        from .demo import load_demo

        load_demo(tenant, main=main, users=users)
