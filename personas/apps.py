from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "personas"
    verbose_name = "Buyer personas"

    def ready(self):
        from abs_platform.web.navigation import NavEntry, register_nav_entry
        from accounts.extensions import (
            AccountPageField,
            AccountSection,
            register_account_filter,
            register_account_page_field,
            register_account_section,
        )

        from . import receivers  # noqa: F401 (connects the receivers)
        from .api import missing_personas_field, missing_personas_of_page
        from .coverage import missing_persona_q
        from .selectors import committee_map

        register_nav_entry(NavEntry("personas", "Personas", "personas:page", order=40))
        register_account_filter(
            "missing_persona", lambda queryset, persona: queryset.filter(missing_persona_q(persona))
        )
        register_account_page_field(
            AccountPageField("missing_personas", field=missing_personas_field, values=missing_personas_of_page)
        )
        register_account_section(
            AccountSection(
                name="committee",
                template_name="personas/committee_card.html",
                context=lambda account: {"committee": committee_map(account)},
                lazy=True,
            )
        )

    def load_demo(self, tenant, *, main: bool, **options) -> None:
        """Personas and committees, contacts with their signals and deals, a few hierarchies, and the engagement
        log that names the contacts (``load_demo`` command; before the ICP's, whose scores read them)."""
        from accounts.demo import load_demo_activities

        from .demo import load_demo

        load_demo(tenant, seed=5 if main else 13)
        load_demo_activities(tenant, seed=17 if main else 19)
