"""Demo data: two workspaces, users of every role and a varied set of target accounts."""

import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership, Role, Tenant
from accounts.demo import load_demo_activities
from accounts.models import Account, AccountStatus

DEMO_PASSWORD = "abs-demo-2026"  # noqa: S105 (printed demo login)
DEMO_USERS = [
    ("olivia", "Olivia", "Owner", Role.OWNER, True),
    ("adam", "Adam", "Admin", Role.ADMIN, True),
    ("maria", "Maria", "Manager", Role.MANAGER, False),
    ("sam", "Sam", "Seller", Role.MEMBER, False),
    ("vera", "Vera", "Viewer", Role.VIEWER, False),
]
PREFIXES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Aperture",
    "Massive",
    "Pied Piper",
    "Dunder",
    "Gringotts",
    "Oscorp",
    "Nakatomi",
    "Monarch",
    "Blue Sun",
    "Virtucon",
    "Gekko",
    "Sterling",
    "Bluth",
    "Prestige",
    "Zorg",
    "Nordic",
    "Helios",
    "Kestrel",
]
SUFFIXES = ["Systems", "Health", "Logistics", "Bank", "Energy", "Labs", "Retail", "Insurance", "Manufacturing", "Media"]
INDUSTRIES = {
    "Systems": "Software",
    "Labs": "Biotechnology",
    "Health": "Healthcare",
    "Logistics": "Logistics",
    "Bank": "Financial services",
    "Insurance": "Insurance",
    "Energy": "Energy",
    "Retail": "Retail",
    "Manufacturing": "Manufacturing",
    "Media": "Media",
}
COUNTRIES = ["US", "US", "US", "GB", "DE", "FR", "NL", "SE", "CA", "AU", "JP", "SG", "BR", "ES", "CH"]


class Command(BaseCommand):
    help = "Create the demo workspaces, users (password printed) and target accounts. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=120, help="Accounts in the main demo workspace.")

    @transaction.atomic
    def handle(self, *args, **options):
        users = self._users()
        demo = self._tenant("Northwind Analytics", "northwind", "USD", "America/New_York", users, all_roles=True)
        other = self._tenant("Globex Europe", "globex-europe", "EUR", "Europe/Berlin", users, all_roles=False)
        created = self._accounts(demo, users, options["accounts"], seed=7)
        created += self._accounts(other, users[:2], 25, seed=11)
        from personas.demo import load_demo as load_demo_personas

        # personas/: personas, committees per tier, contacts, signals, deals, a few hierarchies (before
        # the ICP demo, so that fit scores and tiers see the signals and closed deals)
        load_demo_personas(demo, seed=5)
        load_demo_personas(other, seed=13)
        # the engagement log of the last ~180 days (after the contacts it names)
        load_demo_activities(demo, seed=17)
        load_demo_activities(other, seed=19)
        from icp.demo import load_demo_icp

        load_demo_icp(demo)  # icp/: technologies in use, tiers, an active ICP with sign-offs, fit scores
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({created} accounts created)."))
        self.stdout.write(f"Log in at http://127.0.0.1:8000/ as “olivia” (owner), password “{DEMO_PASSWORD}”.")
        self.stdout.write(
            "Other demo users, same password: adam (admin), maria (manager), sam (member), vera (viewer); "
            "ops (platform operator, superuser) for /admin/."
        )

    def _users(self):
        User = get_user_model()
        users = []
        for username, first, last, _role, is_staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": is_staff,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            users.append(user)
        if not User.objects.filter(username="ops").exists():
            User.objects.create_superuser(
                "ops", "ops@example.com", DEMO_PASSWORD, first_name="Platform", last_name="Ops"
            )
        return users

    def _tenant(self, name, slug, currency, time_zone, users, *, all_roles):
        tenant, _ = Tenant.objects.get_or_create(
            slug=slug, defaults={"name": name, "currency": currency, "time_zone": time_zone}
        )
        members = (
            zip(users, DEMO_USERS, strict=True) if all_roles else [(users[0], DEMO_USERS[0]), (users[1], DEMO_USERS[1])]
        )
        for user, (_u, _f, _l, role, _s) in members:
            Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
        return tenant

    def _accounts(self, tenant, owners, count, *, seed):
        rng = random.Random(seed)
        created = 0
        with tenant_context(tenant), tenant_transaction(tenant):
            existing = set(Account.objects.values_list("domain", flat=True))
            for index in range(count):
                prefix = PREFIXES[index % len(PREFIXES)]
                suffix = SUFFIXES[(index // len(PREFIXES) + index) % len(SUFFIXES)]
                domain = f"{prefix}{suffix}".lower().replace(" ", "") + rng.choice([".com", ".io", ".co", ".net"])
                if domain in existing:
                    continue
                employees = rng.choice([40, 120, 350, 800, 1500, 4000, 12000, 45000])
                Account.objects.create(
                    name=f"{prefix} {suffix}",
                    domain=domain,
                    website=f"https://www.{domain}",
                    industry=INDUSTRIES[suffix],
                    employee_count=employees,
                    annual_revenue=Decimal(employees * rng.randint(90, 400) * 1000),
                    country=rng.choice(COUNTRIES),
                    status=rng.choices(list(AccountStatus), weights=[70, 22, 8])[0],
                    owner=rng.choice(owners[:4]) if rng.random() > 0.15 else None,
                    is_target=rng.random() > 0.1,
                )
                existing.add(domain)
                created += 1
        return created
