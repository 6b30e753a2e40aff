"""The reference data set (docs: ARCHITECTURE.md, "The reference benchmark shape").

One tenant ``bench`` with 10,000 accounts and 100,000 contacts (10 per
account), and optionally noise tenants of the same shape whose rows are
interleaved with it in the tables (as in a real multi-tenant database, where
"next page by id" would walk every tenant). Every tenant also gets the three
default tiers (``icp.services.tiers_ensure_defaults``), the six demo personas
with the demo buying committees per tier, an active ICP with five criteria
(activated without scoring: the bench times the bulk scoring separately) and
tiers set on its target accounts (50 / 200 / the rest, by a hash of the id),
so the account page shows a real committee map; then each account's committee coverage is stored
(``personas.coverage.coverage_recount``, as the daily coverage check does).

Contacts get realistic titles, departments and seniorities (the persona demo's
titles), varied status and ``last_verified_on``, and their persona set
directly: the persona of each of the 21 titles is matched once, not per
contact. Accounts are loaded with ``bulk_create``, contacts with one
``INSERT … SELECT FROM unnest(…)`` per 2,000 rows (``_insert_rows``), in one
transaction per tenant and 1,000 accounts, under the tenant's context and RLS
setting, as the app role; no history rows.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership, Role, Tenant
from accounts.models import Account, AccountStatus, Activity, Contact, ContactStatus, Seniority
from icp import services as icp_services
from icp.models import IdealCustomerProfile
from personas.coverage import coverage_recount
from personas.demo import COMMITTEES, FIRST_NAMES, LAST_NAMES, PERSONAS, TITLES
from personas.matching import match_persona, rules_from_personas
from personas.models import CommitteeRequirement, Persona

BENCH_SLUG = "bench"
BATCH = 1000  # accounts per chunk (and their contacts: one transaction per tenant and chunk)
CONTACT_BATCH = 2000  # rows per INSERT
CONTACTS_PER_ACCOUNT = 10
# Titles no persona claims, so that a share of contacts has none (as in real CRM data).
EXTRA_TITLES = [
    ("Software Engineer", "Engineering", Seniority.INDIVIDUAL, ""),
    ("HR Business Partner", "Human resources", Seniority.MANAGER, ""),
    ("Customer Success Manager", "Customer success", Seniority.MANAGER, ""),
    ("Executive Assistant", "Administration", Seniority.OTHER, ""),
]
CONTACT_TITLES = TITLES + EXTRA_TITLES
STATUSES = list(ContactStatus.values)
# Days since last verified; None: never verified. About a third is stale (older than 365 days).
VERIFIED_AGES = [None, 10, 30, 60, 90, 150, 200, 270, 330, 400, 520, 700]
ICP_CRITERIA = [
    ("industry", {"values": ["Software", "Financial services", "Healthcare", "Insurance"]}, 30, False),
    ("employees", {"min": 200, "max": 15000}, 25, True),
    ("revenue", {"min": 10_000_000}, 15, False),
    ("country", {"values": ["US", "GB", "DE", "NL", "SE", "CA"]}, 15, False),
    ("existing_customer", {}, 15, False),
]
INDUSTRIES = [
    "Software",
    "Financial services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Energy",
    "Insurance",
    "Media",
    "Biotechnology",
    "Telecommunications",
    "Education",
    "Automotive",
    "Real estate",
    "Hospitality",
    "Construction",
    "Agriculture",
    "Aerospace",
    "Government",
    "Non-profit",
]
# Zipf-like: a few big industries, a long tail.
INDUSTRY_WEIGHTS = [1 / (rank + 2) for rank in range(len(INDUSTRIES))]
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "NL", "SE", "CA", "AU", "JP", "SG", "BR", "ES", "CH", "IN", "IT"]
SIZES = [8, 25, 40, 120, 350, 800, 1500, 4000, 12000, 45000, None]
WORDS = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Hooli",
    "Vandelay",
    "Cyberdyne",
    "Tyrell",
    "Aperture",
    "Dunder",
    "Oscorp",
    "Nakatomi",
    "Monarch",
    "Helios",
    "Kestrel",
    "Nordic",
    "Sterling",
    "Blue Sun",
    "Virtucon",
]
SUFFIXES = ["Systems", "Health", "Logistics", "Bank", "Energy", "Labs", "Retail", "Group", "Partners", "Media"]
MEMBER_ROLES = [Role.OWNER, Role.ADMIN, Role.MANAGER, Role.MEMBER, Role.MEMBER]


@dataclass
class DataSet:
    tenant: Tenant
    owner: object  # the member user whose session the dashboard endpoints use
    noise_tenants: list[Tenant]
    accounts_per_tenant: int
    built: bool
    seconds: float
    contacts_per_tenant: int = 0
    phases: dict[str, float] = field(default_factory=dict)


def _tenant_with_members(slug: str, name: str) -> tuple[Tenant, list]:
    tenant, _ = Tenant.objects.get_or_create(slug=slug, defaults={"name": name})
    User = get_user_model()
    users = []
    for index, role in enumerate(MEMBER_ROLES):
        username = f"{slug}-user{index}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": f"User{index}", "last_name": slug.title(), "email": f"{username}@example.com"},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
        users.append(user)
    return tenant, users


def _account_count(tenant: Tenant) -> int:
    with tenant_context(tenant), tenant_transaction(tenant):
        return Account.objects.count()


def _new_accounts(tenant: Tenant, owners: list, start: int, stop: int, rng: random.Random) -> list[Account]:
    accounts = []
    for index in range(start, stop):
        word, suffix = WORDS[index % len(WORDS)], SUFFIXES[(index // len(WORDS)) % len(SUFFIXES)]
        name = f"{word} {suffix} {index:05d}"
        domain = f"{word}{suffix}{index}".lower().replace(" ", "") + rng.choice([".com", ".io", ".co", ".net"])
        employees = rng.choice(SIZES)
        accounts.append(
            Account(
                tenant=tenant,
                name=name,
                domain=domain if rng.random() > 0.03 else "",
                website=f"https://www.{domain}",
                industry=rng.choices(INDUSTRIES, weights=INDUSTRY_WEIGHTS)[0] if rng.random() > 0.02 else "",
                employee_count=employees,
                annual_revenue=Decimal(employees * rng.randint(90, 400) * 1000) if employees else None,
                country=rng.choice(COUNTRIES),
                status=rng.choices(list(AccountStatus), weights=[70, 22, 8])[0],
                owner=rng.choice(owners[:4]) if rng.random() > 0.15 else None,
                is_target=rng.random() > 0.1,
                created_by=owners[0],
                updated_by=owners[0],
            )
        )
    return accounts


def _spread_account_dates(tenant: Tenant, ids: list[int]) -> dict[int, object]:
    """auto_now_add stamped the load time: spread creation over two years (one UPDATE per batch)."""
    table = Account._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE \"{table}\" SET created_at = now() - random() * interval '730 days' "
            "WHERE tenant_id = %s AND id = ANY(%s)",
            [tenant.pk, ids],
        )
        cursor.execute(
            f'UPDATE "{table}" SET updated_at = created_at + random() * (now() - created_at) '
            "WHERE tenant_id = %s AND id = ANY(%s) RETURNING id, created_at",
            [tenant.pk, ids],
        )
        return dict(cursor.fetchall())


def _link_parents(tenant: Tenant) -> None:
    """Give 5 % of the accounts a parent (the account created just before it)."""
    table = Account._meta.db_table
    with tenant_context(tenant), tenant_transaction(tenant), connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" AS child SET parent_id = (SELECT p.id FROM "{table}" p WHERE p.tenant_id = %s '
            "AND p.id < child.id ORDER BY p.id DESC LIMIT 1) "
            "WHERE child.tenant_id = %s AND child.id %% 20 = 0",
            [tenant.pk, tenant.pk],
        )


@dataclass
class TenantSetup:
    """What the contacts of one tenant need: per title template, its persona (matched once) and reason."""

    tenant: Tenant
    users: list
    title_personas: list[tuple[int | None, str]]


def _setup_tenant(tenant: Tenant, users: list) -> TenantSetup:
    """Default tiers, the demo personas and committees, and an active ICP (not scored), once per tenant."""
    with tenant_context(tenant, users[0]), tenant_transaction(tenant):
        tiers = icp_services.tiers_ensure_defaults()
        personas = {persona.name: persona for persona in Persona.objects.all()}
        if not personas:
            for fields in PERSONAS:
                persona = Persona(**fields)
                persona.full_clean(validate_constraints=False)
                persona.save()
                personas[persona.name] = persona
            for tier in tiers:
                for name, minimum in COMMITTEES.get(tier.rank, {}).items():
                    CommitteeRequirement(tier=tier, persona=personas[name], min_contacts=minimum).save()
        if not IdealCustomerProfile.objects.filter(is_active=True).exists():
            icp = icp_services.icp_create(name="Bench ICP", notes="Five criteria, as a workspace would have.")
            for kind, params, weight, must_have in ICP_CRITERIA:
                icp_services.criterion_create(icp=icp, kind=kind, params=params, weight=weight, must_have=must_have)
            # Activated like icp/demo.py does (icp_activate would queue a scoring job; the bench times it).
            icp.is_active, icp.activated_at = True, timezone.now()
            icp.save()
    rules = rules_from_personas(sorted(personas.values(), key=lambda persona: persona.pk))
    labels = dict(Seniority.choices)
    title_personas = []
    for title, department, seniority, _role in CONTACT_TITLES:
        match = match_persona(
            title=title, department=department, seniority=seniority, personas=rules, seniority_labels=labels
        )
        title_personas.append((match.persona_id, match.reason) if match else (None, ""))
    return TenantSetup(tenant=tenant, users=users, title_personas=title_personas)


def _new_contacts(
    setup: TenantSetup, accounts: list[Account], created: dict[int, object], per_account: int, rng: random.Random
) -> list[dict]:
    """Contact rows (column values by attname), each created some time after its account."""
    now = timezone.now()
    today = timezone.localdate(now)
    user_id = setup.users[0].pk
    rows = []
    for account in accounts:
        domain = account.domain or f"account{account.pk}.example.com"
        account_created = created[account.pk]
        for number in range(per_account):
            template = rng.randrange(len(CONTACT_TITLES))
            title, department, seniority, role = CONTACT_TITLES[template]
            persona_id, reason = setup.title_personas[template]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            age = rng.choice(VERIFIED_AGES)
            created_at = account_created + rng.random() * (now - account_created)
            rows.append(
                {
                    "tenant_id": setup.tenant.pk,
                    "created_at": created_at,
                    "updated_at": created_at + rng.random() * (now - created_at),
                    "created_by_id": user_id,
                    "updated_by_id": user_id,
                    "account_id": account.pk,
                    "first_name": first,
                    "last_name": last,
                    "title": title,
                    "department": department,
                    "seniority": seniority,
                    "email": f"{first}.{last}.{number}@{domain}".lower() if rng.random() > 0.05 else "",
                    "phone": f"+1 555 {rng.randrange(10**7):07d}" if rng.random() > 0.4 else "",
                    "linkedin_url": "",
                    "persona_id": persona_id,
                    "persona_overridden": False,
                    "persona_match_reason": reason,
                    "buying_role": role if rng.random() > 0.3 else "",
                    "relationship_strength": rng.choice([0, 0, 1, 1, 2, 3]),
                    "status": rng.choices(STATUSES, weights=[80, 8, 7, 5])[0],
                    "last_verified_on": None if age is None else today - timedelta(days=age + rng.randint(0, 25)),
                    "source": rng.choice(["import", "import", "api", "manual"]),
                }
            )
    return rows


def _insert_rows(model, rows: list[dict]) -> None:
    """INSERT … SELECT FROM unnest(one array per column): one statement per chunk, a few times faster than
    ``bulk_create`` (no per-field preparation in Python). Runs as the app role under the tenant's RLS
    setting (COPY FROM is not allowed on tables with row-level security)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    missing = {f.attname for f in fields} - set(rows[0]) if rows else set()
    if missing:
        raise ValueError(f"{model.__name__} rows lack {sorted(missing)}")
    columns = ", ".join(f'"{f.column}"' for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CONTACT_BATCH):
            chunk = rows[start : start + CONTACT_BATCH]
            cursor.execute(
                f'INSERT INTO "{model._meta.db_table}" ({columns}) SELECT * FROM unnest({arrays})',
                [[row[f.attname] for row in chunk] for f in fields],
            )


def _assign_tiers(tenant: Tenant) -> None:
    """Target accounts in the default tiers up to their capacities (50, 200, the rest), in a hashed order:
    what the first scoring run would suggest, without scoring (the bench times scoring on its own)."""
    table = Account._meta.db_table
    with tenant_context(tenant), tenant_transaction(tenant), connection.cursor() as cursor:
        tiers = icp_services.tiers_ensure_defaults()
        cases, params, total, rest = [], [], 0, None
        for tier in tiers:
            if tier.capacity is None:  # the last tier takes the rest
                rest = tier.pk
                break
            total += tier.capacity
            cases.append("WHEN r.n <= %s THEN %s")
            params += [total, tier.pk]
        case = f"CASE {' '.join(cases)} ELSE %s END"
        params.append(rest)
        cursor.execute(
            f'WITH r AS (SELECT id, row_number() OVER (ORDER BY md5(id::text)) AS n FROM "{table}" '
            "WHERE tenant_id = %s AND is_target) "
            f'UPDATE "{table}" AS a SET tier_id = {case}, suggested_tier_id = {case} FROM r WHERE a.id = r.id',
            [tenant.pk, *params, *params],
        )


ACTIVITY_CHANNELS = ["email", "phone", "meeting", "social", "web_visit", "advertising"]
ACTIVITY_OUTCOMES = ["", "", "no_answer", "connected", "replied", "meeting_booked"]


def _insert_activities(tenant: Tenant, owner, count: int) -> int:
    """Up to ``count`` activities at the tenant's contacts over the last 365 days, in one ``INSERT … SELECT
    generate_series`` (a sixth of them advertising with impressions, clicks and conversions, a fifth inbound, a third
    with a meaningful outcome): the metrics' data at scale. How many were added."""
    table = Activity._meta.db_table
    with tenant_context(tenant), tenant_transaction(tenant), connection.cursor() as cursor:
        have = Activity.objects.count()
        contacts = Contact.objects.count()
        if have >= count or not contacts:
            return 0
        cursor.execute(
            f'INSERT INTO "{table}" (tenant_id, created_at, updated_at, account_id, contact_id, channel, direction, '
            "occurred_at, subject, notes, owner_id, outcome, idempotency_key, impressions, clicks, conversions) "
            "SELECT %(tenant)s, now(), now(), c.account_id, c.id, (%(channels)s::text[])[1 + g %% 6], "
            "CASE WHEN g %% 5 = 0 THEN 'inbound' ELSE 'outbound' END, "
            "now() - make_interval(days => g %% 365, mins => g %% 1440), 'Touch ' || g, '', %(owner)s, "
            "(%(outcomes)s::text[])[1 + (g / 7) %% 6], '', "
            "CASE WHEN g %% 6 = 5 THEN 100 + g %% 900 END, CASE WHEN g %% 6 = 5 THEN g %% 50 END, "
            "CASE WHEN g %% 6 = 5 THEN g %% 3 END "
            "FROM generate_series(%(first)s, %(last)s) AS g "
            f'JOIN (SELECT id, account_id, row_number() OVER (ORDER BY id) AS n FROM "{Contact._meta.db_table}") AS c '
            "ON c.n = 1 + g %% %(contacts)s",
            {
                "tenant": tenant.pk,
                "channels": ACTIVITY_CHANNELS,
                "outcomes": ACTIVITY_OUTCOMES,
                "owner": owner.pk,
                "first": have + 1,
                "last": count,
                "contacts": contacts,
            },
        )
        return cursor.rowcount


def build(
    *,
    accounts: int,
    noise: int,
    contacts_per_account: int = CONTACTS_PER_ACCOUNT,
    activities: int = 0,
    seed: int = 42,
) -> DataSet:
    """Create (or reuse) the bench tenant and ``noise`` noise tenants with ``accounts`` accounts each, their
    contacts, tiers, personas, committees and ICP; the bench tenant's ``activities``."""
    started = time.monotonic()
    phases: dict[str, float] = {}
    rng = random.Random(seed)
    tenant, owners = _tenant_with_members(BENCH_SLUG, "Bench")
    plan = [(tenant, owners)]
    noise_tenants = []
    for number in range(1, noise + 1):
        noise_tenant, noise_owners = _tenant_with_members(f"noise-{number}", f"Noise {number}")
        plan.append((noise_tenant, noise_owners))
        noise_tenants.append(noise_tenant)
    setups = {t.pk: _setup_tenant(t, users) for t, users in plan}
    phases["setup"] = time.monotonic() - started

    todo = [(t, users, _account_count(t)) for t, users in plan]
    todo = [(t, users, have) for t, users, have in todo if have < accounts]
    # Round-robin batches so that the tenants' rows (and ids) interleave in the tables.
    phase = time.monotonic()
    for start in range(0, accounts, BATCH):
        stop = min(start + BATCH, accounts)
        for t, users, have in todo:
            if stop <= have:
                continue
            with tenant_context(t), tenant_transaction(t):
                created = Account.objects.bulk_create(_new_accounts(t, users, max(start, have), stop, rng))
                created_at = _spread_account_dates(t, [account.pk for account in created])
                _insert_rows(Contact, _new_contacts(setups[t.pk], created, created_at, contacts_per_account, rng))
    phases["insert"] = time.monotonic() - phase
    phase = time.monotonic()
    for t, _users, _have in todo:
        _link_parents(t)
        _assign_tiers(t)
    phases["parents_tiers"] = time.monotonic() - phase
    phase = time.monotonic()
    for t, _users, _have in todo:
        with tenant_context(t), tenant_transaction(t):
            coverage_recount()
    phases["coverage"] = time.monotonic() - phase
    phase = time.monotonic()
    added = _insert_activities(tenant, owners[0], activities)
    if added:
        with connection.cursor() as cursor:
            cursor.execute(f'ANALYZE "{Activity._meta.db_table}"')
    phases["activities"] = time.monotonic() - phase
    return DataSet(
        tenant=tenant,
        owner=owners[0],
        noise_tenants=noise_tenants,
        accounts_per_tenant=accounts,
        built=bool(todo),
        seconds=time.monotonic() - started,
        contacts_per_tenant=accounts * contacts_per_account,
        phases=phases,
    )
