"""Demo data of the ICP: technologies in use, default tiers, an active ICP with sign-offs, computed scores."""

import random

from django.utils import timezone

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from accounts.models import Account, AccountTechnology, Technology, TechnologyRelation

from . import services
from .models import IdealCustomerProfile

DEMO_TECHNOLOGIES = [
    ("Salesforce", "CRM", TechnologyRelation.COMPLEMENTARY),
    ("HubSpot", "Marketing automation", TechnologyRelation.COMPLEMENTARY),
    ("Snowflake", "Data warehouse", TechnologyRelation.COMPLEMENTARY),
    ("Tableau", "Business intelligence", TechnologyRelation.COMPETITOR),
    ("Looker", "Business intelligence", TechnologyRelation.COMPETITOR),
]


def _technologies() -> dict[str, Technology]:
    found = {}
    for name, category, relation in DEMO_TECHNOLOGIES:
        technology = Technology.objects.filter(name__iexact=name).first()
        if technology is None:
            technology = Technology.objects.create(name=name, category=category, relation=relation)
        found[name] = technology
    return found


def _technologies_in_use(technologies: dict[str, Technology], rng: random.Random) -> None:
    used = set(AccountTechnology.objects.values_list("account_id", flat=True))
    links = []
    for account_id in Account.objects.order_by("id").values_list("id", flat=True):
        if account_id in used:
            continue
        for technology in rng.sample(list(technologies.values()), k=rng.choice([0, 1, 1, 2, 3])):
            links.append(AccountTechnology(account_id=account_id, technology=technology))
    for link in links:
        link.save()


def load_demo_icp(tenant) -> IdealCustomerProfile:
    """Idempotent: creates what is missing, then recomputes every fit score and the suggested tiers."""
    rng = random.Random(3)  # noqa: S311 (repeatable demo data)
    with tenant_context(tenant), tenant_transaction(tenant):
        technologies = _technologies()
        _technologies_in_use(technologies, rng)
        services.tiers_ensure_defaults()
        icp = IdealCustomerProfile.objects.filter(is_active=True).first()
        if icp is None:
            icp = services.icp_create(
                name="Mid-market data teams",
                notes="Companies with a data team big enough to need us and a stack we integrate with.",
            )
            for kind, params, weight, must_have in [
                ("industry", {"values": ["Software", "Financial services", "Healthcare", "Insurance"]}, 30, False),
                ("employees", {"min": 200, "max": 15000}, 25, True),
                ("country", {"values": ["US", "GB", "DE", "NL", "SE", "CA"]}, 15, False),
                (
                    "technology",
                    {"mode": "any", "technology_ids": [technologies["Salesforce"].pk, technologies["Snowflake"].pk]},
                    20,
                    False,
                ),
                ("existing_customer", {}, 10, False),
            ]:
                services.criterion_create(icp=icp, kind=kind, params=params, weight=weight, must_have=must_have)
            icp.is_active = True
            icp.activated_at = timezone.now()
            icp.save()
            for department, note in [
                ("sales", "Matches the deals we win fastest."),
                ("marketing", "We can reach these personas."),
                ("finance", "Deal sizes above 50k ACV."),
            ]:
                services.sign_off_create(icp=icp, department=department, note=note)
    with tenant_context(tenant):
        services.fit_scores_run()
    return icp
