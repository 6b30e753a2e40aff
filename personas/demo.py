"""Demo data for personas, buying committees, contacts, signals, opportunities and account hierarchies.

Called by ``load_demo`` once per demo workspace after its accounts exist. Safe to run twice: a
workspace that already has personas is left alone.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from accounts.models import (
    Account,
    BuyingRole,
    Contact,
    ContactStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStage,
    Seniority,
    Signal,
    SignalType,
)

from .coverage import coverage_recount
from .matching import rules_from_personas
from .models import Channel, CommitteeRequirement, Persona
from .services import apply_persona_match

PERSONAS = [
    {
        "name": "Finance leader",
        "description": "Owns the budget and the business case; reviews every purchase above a threshold.",
        "challenges": "Cost control, forecasting accuracy, proving ROI of software spend.",
        "objectives": "Predictable spend, faster close, fewer tools.",
        "career_goals": "Become a strategic partner to the CEO.",
        "decision_role": BuyingRole.ECONOMIC_BUYER,
        "information_sources": "Analyst reports, peers, CFO networks.",
        "preferred_channels": [Channel.EMAIL, Channel.EVENTS],
        "title_keywords": ["CFO", "chief financial officer", "finance", "controller"],
        "departments": ["Finance"],
        "seniorities": [Seniority.C_LEVEL, Seniority.VP, Seniority.DIRECTOR],
    },
    {
        "name": "IT leader",
        "description": "Runs the systems landscape; signs off on security and integration.",
        "challenges": "Legacy systems, security reviews, shadow IT.",
        "objectives": "Consolidate the stack, reduce risk.",
        "career_goals": "Lead a digital transformation.",
        "decision_role": BuyingRole.DECISION_MAKER,
        "information_sources": "Gartner, vendor documentation, communities.",
        "preferred_channels": [Channel.EMAIL, Channel.WEBINAR],
        "title_keywords": ["CIO", "CTO", "IT", "information technology", "infrastructure"],
        "departments": ["IT", "Engineering"],
        "seniorities": [Seniority.C_LEVEL, Seniority.VP, Seniority.DIRECTOR],
    },
    {
        "name": "Revenue operations champion",
        "description": "Lives in the CRM every day; feels the pain first and pushes for change.",
        "challenges": "Bad data, manual reporting, too many spreadsheets.",
        "objectives": "Clean pipeline data and automated reports.",
        "career_goals": "Head of revenue operations.",
        "decision_role": BuyingRole.CHAMPION,
        "information_sources": "LinkedIn, RevOps communities, podcasts.",
        "preferred_channels": [Channel.SOCIAL, Channel.EMAIL, Channel.PHONE],
        "title_keywords": ["operations", "revops", "sales ops", "CRM"],
        "departments": ["Operations", "Sales"],
        "seniorities": [Seniority.MANAGER, Seniority.DIRECTOR, Seniority.INDIVIDUAL],
    },
    {
        "name": "Sales executive",
        "description": "Carries the number; sponsors projects that help the team hit quota.",
        "challenges": "Pipeline coverage, rep ramp time, forecast misses.",
        "objectives": "Grow bookings and win rate.",
        "career_goals": "Chief revenue officer.",
        "decision_role": BuyingRole.EXECUTIVE_SPONSOR,
        "information_sources": "Peers, board, sales leadership events.",
        "preferred_channels": [Channel.MEETING, Channel.EVENTS],
        "title_keywords": ["CRO", "chief revenue officer", "VP sales", "head of sales", "sales"],
        "departments": ["Sales"],
        "seniorities": [Seniority.C_LEVEL, Seniority.VP],
    },
    {
        "name": "Procurement",
        "description": "Runs the vendor process, contracts and negotiations.",
        "challenges": "Vendor sprawl, compliance, getting fair terms.",
        "objectives": "Fewer, better vendors on standard terms.",
        "career_goals": "Chief procurement officer.",
        "decision_role": BuyingRole.LEGAL_PROCUREMENT,
        "information_sources": "Vendor questionnaires, references.",
        "preferred_channels": [Channel.EMAIL, Channel.PHONE],
        "title_keywords": ["procurement", "purchasing", "sourcing", "legal", "counsel"],
        "departments": ["Procurement", "Legal"],
        "seniorities": [],
    },
    {
        "name": "Marketing leader",
        "description": "Owns demand generation and the brand; shares the revenue target.",
        "challenges": "Attribution, lead quality, alignment with sales.",
        "objectives": "More pipeline from target accounts.",
        "career_goals": "CMO of a larger company.",
        "decision_role": BuyingRole.INFLUENCER,
        "information_sources": "Marketing communities, webinars, analysts.",
        "preferred_channels": [Channel.WEBINAR, Channel.SOCIAL, Channel.EVENTS],
        "title_keywords": ["CMO", "marketing", "demand generation", "growth"],
        "departments": ["Marketing"],
        "seniorities": [Seniority.C_LEVEL, Seniority.VP, Seniority.DIRECTOR, Seniority.MANAGER],
    },
]

# Required committee per tier rank: persona name → minimum current contacts.
COMMITTEES = {
    1: {
        "Finance leader": 1,
        "IT leader": 1,
        "Revenue operations champion": 2,
        "Sales executive": 1,
        "Procurement": 1,
    },
    2: {"Finance leader": 1, "IT leader": 1, "Revenue operations champion": 1},
    3: {"Revenue operations champion": 1},
}

# (title, department, seniority, usual buying role)
TITLES = [
    ("Chief Financial Officer", "Finance", Seniority.C_LEVEL, BuyingRole.ECONOMIC_BUYER),
    ("VP Finance", "Finance", Seniority.VP, BuyingRole.ECONOMIC_BUYER),
    ("Financial Controller", "Finance", Seniority.MANAGER, BuyingRole.INFLUENCER),
    ("CIO", "IT", Seniority.C_LEVEL, BuyingRole.DECISION_MAKER),
    ("Director of IT Infrastructure", "IT", Seniority.DIRECTOR, BuyingRole.INFLUENCER),
    ("CTO", "Engineering", Seniority.C_LEVEL, BuyingRole.DECISION_MAKER),
    ("Revenue Operations Manager", "Operations", Seniority.MANAGER, BuyingRole.CHAMPION),
    ("Sales Ops Analyst", "Sales", Seniority.INDIVIDUAL, BuyingRole.END_USER),
    ("CRM Administrator", "Operations", Seniority.INDIVIDUAL, BuyingRole.END_USER),
    ("VP Sales", "Sales", Seniority.VP, BuyingRole.EXECUTIVE_SPONSOR),
    ("Chief Revenue Officer", "Sales", Seniority.C_LEVEL, BuyingRole.EXECUTIVE_SPONSOR),
    ("Head of Procurement", "Procurement", Seniority.DIRECTOR, BuyingRole.LEGAL_PROCUREMENT),
    ("Senior Legal Counsel", "Legal", Seniority.MANAGER, BuyingRole.LEGAL_PROCUREMENT),
    ("CMO", "Marketing", Seniority.C_LEVEL, BuyingRole.INFLUENCER),
    ("Demand Generation Manager", "Marketing", Seniority.MANAGER, BuyingRole.INFLUENCER),
    ("Account Executive", "Sales", Seniority.INDIVIDUAL, BuyingRole.END_USER),
    ("Office Manager", "Administration", Seniority.MANAGER, BuyingRole.BLOCKER),
]
FIRST_NAMES = [
    "Ava",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kara",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Yara",
]
LAST_NAMES = [
    "Anders",
    "Brooks",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Meyer",
    "Novak",
    "Okafor",
    "Patel",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Weber",
]
SIGNALS = [
    (SignalType.FUNDING, "Raised a Series C round", "https://news.example.com/funding"),
    (SignalType.LEADERSHIP_HIRE, "Hired a new CFO", "https://news.example.com/hire"),
    (SignalType.MERGER_ACQUISITION, "Announced the acquisition of a competitor", ""),
    (SignalType.PRODUCT_LAUNCH, "Launched a new product line", "https://news.example.com/launch"),
    (SignalType.REGULATION, "New reporting regulation applies from next year", ""),
    (SignalType.COMPETITOR_NEWS, "Renewal with a competitor is coming up", ""),
    (SignalType.JOB_POSTING, "Hiring three revenue operations analysts", "https://jobs.example.com/revops"),
    (SignalType.EXPANSION, "Opening offices in two new countries", ""),
]
LOST_REASONS = ["Chose a competitor", "No budget this year", "Project postponed", "Went with an in-house build"]
OPEN_STAGES = [
    OpportunityStage.PROSPECTING,
    OpportunityStage.QUALIFICATION,
    OpportunityStage.DISCOVERY,
    OpportunityStage.PROPOSAL,
    OpportunityStage.NEGOTIATION,
]


def load_demo(tenant, *, seed: int = 3) -> dict:
    """Create the persona demo data in ``tenant``; returns counts (all zero when it already had personas)."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    counts = {"personas": 0, "requirements": 0, "contacts": 0, "signals": 0, "opportunities": 0, "children": 0}
    with tenant_context(tenant), tenant_transaction(tenant):
        if Persona.objects.exists():
            return counts
        personas = {}
        for fields in PERSONAS:
            persona = Persona(**fields)
            persona.full_clean(validate_constraints=False)
            persona.save()
            personas[persona.name] = persona
        counts["personas"] = len(personas)
        counts["requirements"] = _committees(personas)
        accounts = list(Account.objects.order_by("id"))
        counts["children"] = _hierarchies(accounts)
        counts["contacts"] = _contacts(tenant, accounts, rules_from_personas(personas.values()), rng)
        counts["signals"] = _signals(tenant, accounts, rng)
        counts["opportunities"] = _opportunities(tenant, accounts, rng)
        coverage_recount()  # the rows above were saved directly, without the services' events
    return counts


def _committees(personas) -> int:
    try:
        from icp.services import tiers_ensure_defaults
    except ImportError:  # no tier service: no committees
        return 0
    created = 0
    for tier in tiers_ensure_defaults():
        for name, minimum in COMMITTEES.get(tier.rank, {}).items():
            CommitteeRequirement(tier=tier, persona=personas[name], min_contacts=minimum).save()
            created += 1
    return created


def _hierarchies(accounts) -> int:
    """Group accounts of the same company name prefix under the first one (subsidiaries)."""
    by_prefix: dict[str, list[Account]] = {}
    for account in accounts:
        by_prefix.setdefault(account.name.split(" ")[0], []).append(account)
    linked = 0
    for group in list(by_prefix.values())[:6]:
        parent, *children = group
        if parent.parent_id is not None:
            continue
        for child in children[:3]:
            if child.parent_id is None and not Account.objects.filter(parent=child).exists():
                child.parent = parent
                child.save(update_fields=["parent", "updated_at"])
                linked += 1
    return linked


def _contacts(tenant, accounts, rules, rng) -> int:
    today = timezone.localdate()
    contacts = []
    for account in accounts:
        domain = account.domain or f"account{account.pk}.example.com"
        for index, (title, department, seniority, role) in enumerate(rng.sample(TITLES, rng.randint(3, 8))):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            age = rng.choice([None, 20, 45, 90, 150, 240, 330, 400, 520, 700])
            contact = Contact(
                tenant=tenant,
                account=account,
                first_name=first,
                last_name=last,
                title=title,
                department=department,
                seniority=seniority,
                email=f"{first}.{last}.{index}@{domain}".lower(),
                buying_role=role if rng.random() > 0.2 else "",
                relationship_strength=rng.choice([0, 1, 1, 2, 2, 3]),
                status=rng.choices(list(ContactStatus), weights=[80, 8, 7, 5])[0],
                last_verified_on=None if age is None else today - timedelta(days=age + rng.randint(0, 20)),
                source="demo",
            )
            apply_persona_match(contact, rules=rules)
            contacts.append(contact)
    bulk_create_with_history(contacts, Contact, batch_size=500)
    return len(contacts)


def _signals(tenant, accounts, rng) -> int:
    today = timezone.localdate()
    signals = [
        Signal(
            tenant=tenant,
            account=account,
            signal_type=signal_type,
            occurred_on=today - timedelta(days=rng.randint(1, 300)),
            title=title,
            source_url=url,
        )
        for account in accounts
        if rng.random() < 0.6
        for signal_type, title, url in rng.sample(SIGNALS, rng.randint(1, 3))
    ]
    bulk_create_with_history(signals, Signal, batch_size=500)
    return len(signals)


def _opportunities(tenant, accounts, rng) -> int:
    today = timezone.localdate()
    opportunities = []
    for account in accounts:
        if rng.random() > 0.45:
            continue
        for number in range(rng.randint(1, 2)):
            opened = today - timedelta(days=rng.randint(20, 500))
            stage = rng.choices(
                [*OPEN_STAGES, OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST],
                weights=[8, 8, 8, 6, 4, 14, 12],
            )[0]
            closed = stage in (OpportunityStage.CLOSED_WON, OpportunityStage.CLOSED_LOST)
            opportunities.append(
                Opportunity(
                    tenant=tenant,
                    account=account,
                    name=f"{account.name} – {'expansion' if number else 'platform'}",
                    kind=OpportunityKind.EXPANSION if number else OpportunityKind.NEW_LOGO,
                    amount=Decimal(rng.choice([18, 25, 40, 60, 85, 120, 200]) * 1000),
                    stage=stage,
                    opened_on=opened,
                    close_date=min(opened + timedelta(days=rng.randint(30, 180)), today) if closed else None,
                    lost_reason=rng.choice(LOST_REASONS) if stage == OpportunityStage.CLOSED_LOST else "",
                )
            )
    bulk_create_with_history(opportunities, Opportunity, batch_size=500)
    return len(opportunities)
