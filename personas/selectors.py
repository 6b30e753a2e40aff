"""Reads of personas and committees; coverage itself is defined once, in ``personas.coverage``."""

from datetime import date

from django.db.models import QuerySet

from abs_platform.tenancy import cache_reads
from abs_platform.tenancy.context import get_current_tenant, workspace_today
from accounts.freshness import freshness
from accounts.models import Account, Contact

from .coverage import CoverageShares, committee_requirements, coverage_of, workspace_coverage
from .matching import PersonaRules, rules_from_personas
from .models import CommitteeRequirement, Persona


def persona_list() -> QuerySet[Persona]:
    return Persona.objects.all()


def persona_rules() -> list[PersonaRules]:
    """The matching rules of every persona of the workspace (one query)."""
    return rules_from_personas(
        Persona.objects.only("id", "name", "title_keywords", "departments", "seniorities").order_by("id")
    )


def committee_requirement_list() -> QuerySet[CommitteeRequirement]:
    return CommitteeRequirement.objects.select_related("tier", "persona")


def persona_contacts(persona_id: int, *, limit: int = 200) -> list[Contact]:
    """Contacts matched to (or set to) a persona, with their account, for the persona page."""
    return list(
        Contact.objects.filter(persona_id=persona_id)
        .select_related("account")
        .order_by("last_name", "first_name", "id")[:limit]
    )


def committee_map(account: Account, *, today: date | None = None) -> dict:
    """The buying committee of one account: its coverage, each required persona of its tier with the
    account's contacts of that persona (buying role, freshness) and the gap if any, and the contacts outside
    the committee (two queries)."""
    today = today or workspace_today()
    requirements = list(committee_requirements(account, today=today))
    contacts = Contact.objects.filter(account=account).select_related("persona").order_by("last_name", "first_name")
    coverage = coverage_of(requirements)
    gaps = {gap.persona_id: gap for gap in coverage.gaps}

    def member(contact):
        return {
            "contact": contact,
            "freshness": freshness(status=contact.status, last_verified_on=contact.last_verified_on, today=today),
        }

    members = [member(contact) for contact in contacts]
    rows = [
        {
            "persona_name": requirement.persona.name,
            "min_contacts": requirement.min_contacts,
            "members": [m for m in members if m["contact"].persona_id == requirement.persona_id],
            "gap": gaps.get(requirement.persona_id),
        }
        for requirement in requirements
    ]
    required_ids = {requirement.persona_id for requirement in requirements}
    others = [m for m in members if m["contact"].persona_id not in required_ids]
    return {"coverage": coverage, "rows": rows, "others": others, "gaps": coverage.gaps}


WORKSPACE_COVERAGE_CACHE_SECONDS = 60


def workspace_coverage_cached() -> CoverageShares:
    """``workspace_coverage`` for pages: an aggregate over every target account, so kept for a minute."""
    return cache_reads.remembered(
        f"workspace-coverage:{get_current_tenant().pk}", WORKSPACE_COVERAGE_CACHE_SECONDS, workspace_coverage
    )
