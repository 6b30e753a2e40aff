"""The reference data set (docs: ARCHITECTURE.md, "The reference benchmark shape").

One tenant ``bench`` with 10,000 target accounts, and optionally noise
tenants of the same size whose rows are interleaved with it in the table (as
in a real multi-tenant database, where "next page by id" would walk every
tenant). Loaded with ``bulk_create`` under the tenant's context and RLS
setting, as the app role. Contacts do not exist in the product yet.
"""

import random
import time
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership, Role, Tenant
from accounts.models import Account, AccountStatus

BENCH_SLUG = "bench"
BATCH = 1000
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


def _spread_dates_and_parents(tenant: Tenant) -> None:
    """auto_now_add stamps every row with the load time; spread them over two years, give 5 % a parent."""
    table = Account._meta.db_table
    with tenant_context(tenant), tenant_transaction(tenant), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE \"{table}\" SET created_at = now() - random() * interval '730 days' WHERE tenant_id = %s",
            [tenant.pk],
        )
        cursor.execute(
            f'UPDATE "{table}" SET updated_at = created_at + random() * (now() - created_at) WHERE tenant_id = %s',
            [tenant.pk],
        )
        cursor.execute(
            f'UPDATE "{table}" AS child SET parent_id = (SELECT p.id FROM "{table}" p WHERE p.tenant_id = %s '
            "AND p.id < child.id ORDER BY p.id DESC LIMIT 1) "
            "WHERE child.tenant_id = %s AND child.id %% 20 = 0",
            [tenant.pk, tenant.pk],
        )


def build(*, accounts: int, noise: int, seed: int = 42) -> DataSet:
    """Create (or reuse) the bench tenant and ``noise`` noise tenants with ``accounts`` accounts each."""
    started = time.monotonic()
    rng = random.Random(seed)
    tenant, owners = _tenant_with_members(BENCH_SLUG, "Bench")
    plan = [(tenant, owners)]
    noise_tenants = []
    for number in range(1, noise + 1):
        noise_tenant, noise_owners = _tenant_with_members(f"noise-{number}", f"Noise {number}")
        plan.append((noise_tenant, noise_owners))
        noise_tenants.append(noise_tenant)

    todo = [(t, users, _account_count(t)) for t, users in plan]
    todo = [(t, users, have) for t, users, have in todo if have < accounts]
    # Round-robin batches so that the tenants' rows (and ids) interleave in the table.
    for start in range(0, accounts, BATCH):
        stop = min(start + BATCH, accounts)
        for t, users, have in todo:
            if stop <= have:
                continue
            with tenant_context(t), tenant_transaction(t):
                Account.objects.bulk_create(_new_accounts(t, users, max(start, have), stop, rng))
    for t, _users, _have in todo:
        _spread_dates_and_parents(t)
    return DataSet(
        tenant=tenant,
        owner=owners[0],
        noise_tenants=noise_tenants,
        accounts_per_tenant=accounts,
        built=bool(todo),
        seconds=time.monotonic() - started,
    )
