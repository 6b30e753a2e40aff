"""Reads of personas, committees and coverage; constant query counts, coverage computed in the database.

``accounts_with_coverage(queryset)`` is the set-based form of
``personas.coverage.account_coverage`` for lists: it adds, per account, in
the same single query,

* ``coverage_required`` (int): requirements of the account's tier (0 without a tier),
* ``coverage_covered`` (int): requirements with at least ``min_contacts``
  current contacts (active, verified within ``FRESHNESS_DAYS``),
* ``coverage_gaps`` (int): ``coverage_required - coverage_covered``,
* ``coverage_percent`` (int or NULL): ``coverage_covered * 100 // coverage_required``,
  NULL when nothing is required,
* ``coverage_good_margin`` (int): ``10 * covered - 7 * required``; ``>= 0`` means
  at least 70 % covered (integer maths, no rounding).

Filter on them like on any field, e.g. ``.filter(coverage_gaps__gt=0)`` ("has
gaps") or ``.filter(coverage_percent__gte=70)``.
"""

from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Case, Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from abs_platform.tenancy import cache_reads
from abs_platform.tenancy.context import get_current_tenant, workspace_today
from accounts.models import Account, Contact, ContactStatus

from .coverage import ContactFacts, CoverageShares, Requirement, account_coverage, freshness, freshness_cutoff
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


def _count(queryset) -> Subquery:
    """``SELECT COUNT(id) FROM (queryset)`` as a correlated scalar subquery (0 when nothing matches)."""
    counted = queryset.order_by().annotate(_n=Func(F("id"), function="COUNT")).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def accounts_with_coverage(queryset: QuerySet[Account], *, today: date | None = None) -> QuerySet[Account]:
    """Annotate accounts with their committee coverage (see the module docstring for the fields)."""
    cutoff = freshness_cutoff(today or workspace_today())
    current_contacts = Contact.objects.filter(
        account=OuterRef(OuterRef("pk")),
        persona=OuterRef("persona"),
        status=ContactStatus.ACTIVE,
        last_verified_on__gte=cutoff,
    )
    requirements = CommitteeRequirement.objects.filter(tier=OuterRef("tier"))
    covered = requirements.annotate(_have=_count(current_contacts)).filter(_have__gte=F("min_contacts"))
    return queryset.annotate(
        coverage_required=_count(requirements),
        coverage_covered=_count(covered),
        coverage_gaps=F("coverage_required") - F("coverage_covered"),
        coverage_percent=Case(
            When(coverage_required=0, then=Value(None)),
            default=F("coverage_covered") * 100 / F("coverage_required"),
            output_field=IntegerField(),
        ),
        coverage_good_margin=F("coverage_covered") * 10 - F("coverage_required") * 7,
    )


def workspace_coverage(*, today: date | None = None) -> CoverageShares:
    """Share of target accounts with 100 % / at least 70 % coverage (one query)."""
    with_requirements = Q(coverage_required__gt=0)
    totals = accounts_with_coverage(Account.objects.filter(is_target=True), today=today).aggregate(
        accounts=Count("id", filter=with_requirements),
        complete=Count("id", filter=with_requirements & Q(coverage_gaps=0)),
        good=Count("id", filter=with_requirements & Q(coverage_good_margin__gte=0)),
        without=Count("id", filter=Q(coverage_required=0)),
    )
    return CoverageShares(
        accounts=totals["accounts"],
        complete=totals["complete"],
        good=totals["good"],
        without_requirements=totals["without"],
    )


def persona_contacts(persona_id: int, *, limit: int = 200) -> list[Contact]:
    """Contacts matched to (or set to) a persona, with their account, for the persona page."""
    return list(
        Contact.objects.filter(persona_id=persona_id)
        .select_related("account")
        .order_by("last_name", "first_name", "id")[:limit]
    )


@dataclass(slots=True)
class CommitteeContact:
    """A contact as the committee map shows it: name, buying role, freshness facts and persona."""

    id: int
    first_name: str
    last_name: str
    buying_role: str
    status: str
    last_verified_on: date | None
    persona_id: int | None
    persona_name: str | None

    def __str__(self):
        return f"{self.first_name} {self.last_name}".strip()


def _committee_sql() -> str:
    """The account's contacts (kind 0, by name) and its tier's requirements (kind 1, by persona name) in one
    statement: ``kind, id, first name, last name, buying role, status, last verified, persona id, persona
    name, min contacts``."""
    contact, requirement, persona = (model._meta.db_table for model in (Contact, CommitteeRequirement, Persona))
    return (
        "SELECT 0, c.id, c.first_name, c.last_name, c.buying_role, c.status, c.last_verified_on,"
        f" c.persona_id, p.name, 0 FROM {contact} c LEFT JOIN {persona} p ON p.id = c.persona_id"
        " WHERE c.tenant_id = %s AND c.account_id = %s"
        " UNION ALL SELECT 1, r.id, p.name, '', '', '', NULL, r.persona_id, p.name, r.min_contacts"
        f" FROM {requirement} r JOIN {persona} p ON p.id = r.persona_id WHERE r.tenant_id = %s AND r.tier_id = %s"
        " ORDER BY 1, 4, 3, 2"
    )


def _committee_facts(account: Account) -> tuple[list[Requirement], list[CommitteeContact]]:
    """The required committee of the account's tier and the account's contacts (one query; hand-written SQL
    like the account page's other reads, ADR 0008)."""
    tenant_id = get_current_tenant().pk
    to_date = Contact._meta.get_field("last_verified_on").to_python  # SQLite answers dates as text
    requirements, contacts = [], []
    with connection.cursor() as cursor:
        cursor.execute(_committee_sql(), [tenant_id, account.pk, tenant_id, account.tier_id])
        for kind, pk, first, last, role, status, verified, persona_id, persona_name, minimum in cursor.fetchall():
            if kind:
                requirements.append(Requirement(persona_id, persona_name, minimum))
            else:
                contacts.append(
                    CommitteeContact(pk, first, last, role, status, to_date(verified), persona_id, persona_name)
                )
    return requirements, contacts


def committee_map(account: Account, *, today: date | None = None) -> dict:
    """The buying committee of one account: each required persona of its tier with the account's contacts
    of that persona (buying role, freshness) and the gap if any; contacts outside the committee apart
    (one query)."""
    today = today or workspace_today()
    requirements, contacts = _committee_facts(account)
    coverage = account_coverage(
        requirements, [ContactFacts(c.persona_id, c.status, c.last_verified_on) for c in contacts], today=today
    )
    gaps = {gap.persona_id: gap for gap in coverage.gaps}

    def member(contact):
        return {
            "contact": contact,
            "freshness": freshness(status=contact.status, last_verified_on=contact.last_verified_on, today=today),
        }

    rows = [
        {
            "persona_name": requirement.persona_name,
            "min_contacts": requirement.min_contacts,
            "members": [member(contact) for contact in contacts if contact.persona_id == requirement.persona_id],
            "gap": gaps.get(requirement.persona_id),
        }
        for requirement in requirements
    ]
    required_ids = {requirement.persona_id for requirement in requirements}
    others = [member(contact) for contact in contacts if contact.persona_id not in required_ids]
    return {"coverage": coverage, "rows": rows, "others": others, "gaps": coverage.gaps}


def _page_coverage_sql(tiers: int, accounts: int) -> str:
    requirement, contact = CommitteeRequirement._meta.db_table, Contact._meta.db_table
    return (
        "SELECT r.tier_id, r.persona_id, r.min_contacts, c.account_id, COUNT(c.account_id) "
        f'FROM "{requirement}" r LEFT JOIN "{contact}" c ON c.tenant_id = r.tenant_id '
        f"AND c.persona_id = r.persona_id AND c.account_id IN ({', '.join(['%s'] * accounts)}) "
        "AND c.status = %s AND c.last_verified_on >= %s "
        f"WHERE r.tenant_id = %s AND r.tier_id IN ({', '.join(['%s'] * tiers)}) "
        "GROUP BY r.tier_id, r.persona_id, r.min_contacts, c.account_id"
    )


def coverage_counts_for(accounts: list[tuple[int, int | None]], *, today: date | None = None) -> dict[int, tuple]:
    """``{account id: (covered, required)}`` for ``(account id, tier id)`` pairs: the requirements of each
    account's tier, and how many of them have at least ``min_contacts`` current contacts (active, verified
    since the freshness cutoff). One grouped query over the tiers and accounts asked for; hand-written SQL
    because every list, detail and account page runs it and building it with the ORM cost more than
    running it (docs/benchmarks.md)."""
    tier_of = dict(accounts)
    tier_ids = sorted({tier for tier in tier_of.values() if tier is not None})
    requirements: dict[int, dict[int, int]] = {}
    have: dict[tuple[int, int], int] = {}
    if tier_ids:
        tiered = [pk for pk, tier in tier_of.items() if tier is not None]
        cutoff = freshness_cutoff(today or workspace_today()).isoformat()
        params = [*tiered, ContactStatus.ACTIVE.value, cutoff, get_current_tenant().pk, *tier_ids]
        with connection.cursor() as cursor:
            cursor.execute(_page_coverage_sql(len(tier_ids), len(tiered)), params)
            for tier_id, persona_id, min_contacts, account_id, count in cursor.fetchall():
                requirements.setdefault(tier_id, {})[persona_id] = min_contacts
                if account_id is not None:
                    have[account_id, persona_id] = count
    result = {}
    for pk, tier in tier_of.items():
        required = requirements.get(tier, {})
        covered = sum(1 for persona, minimum in required.items() if have.get((pk, persona), 0) >= minimum)
        result[pk] = (covered, len(required))
    return result


def coverage_for(accounts: list[tuple[int, int | None]], *, today: date | None = None) -> dict[int, tuple]:
    """``{account id: (coverage_percent, coverage_gaps)}`` for a page of ``(account id, tier id)`` pairs: the
    same figures as ``accounts_with_coverage`` (integer percent, None when nothing is required)."""
    return {
        pk: (covered * 100 // required if required else None, required - covered)
        for pk, (covered, required) in coverage_counts_for(accounts, today=today).items()
    }


WORKSPACE_COVERAGE_CACHE_SECONDS = 60


def workspace_coverage_cached() -> CoverageShares:
    """``workspace_coverage`` for pages: an aggregate over every target account, so kept for a minute."""
    return cache_reads.remembered(
        f"workspace-coverage:{get_current_tenant().pk}", WORKSPACE_COVERAGE_CACHE_SECONDS, workspace_coverage
    )
