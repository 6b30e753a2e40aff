"""Demo data: two workspaces and users of every role, filled by every app that has demo data.

Each such app's ``AppConfig`` has ``load_demo(tenant, *, main, users, accounts)``; they run in
``INSTALLED_APPS`` order, so an app's demo sees the demo data of the apps below it.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from abs_platform.tenancy.models import Membership, Role, Tenant
from accounts.demo import DEMO_PASSWORD

DEMO_USERS = [
    ("olivia", "Olivia", "Owner", Role.OWNER, True),
    ("adam", "Adam", "Admin", Role.ADMIN, True),
    ("maria", "Maria", "Manager", Role.MANAGER, False),
    ("sam", "Sam", "Seller", Role.MEMBER, False),
    ("vera", "Vera", "Viewer", Role.VIEWER, False),
]


class Command(BaseCommand):
    help = "Create the demo workspaces, users (password printed) and every app's demo data. Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=120, help="Accounts in the main demo workspace.")

    @transaction.atomic
    def handle(self, *args, **options):
        users = self._users()
        main = self._tenant("Northwind Analytics", "northwind", "USD", "America/New_York", users, all_roles=True)
        other = self._tenant("Globex Europe", "globex-europe", "EUR", "Europe/Berlin", users, all_roles=False)
        for config in apps.get_app_configs():
            if hasattr(config, "load_demo"):
                config.load_demo(main, main=True, users=users, accounts=options["accounts"])
                config.load_demo(other, main=False, users=users[:2], accounts=25)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(
            f"Log in as “olivia”, password “{DEMO_PASSWORD}”: owner of {main.name}, the main demo workspace "
            f"(/t/{main.slug}/); {other.name} is a smaller second workspace."
        )
        self.stdout.write(
            "Other demo users, same password: adam (admin), maria (manager), sam (member), vera (viewer); "
            "their colleagues on the demo teams: tara and noah (SDRs), lena, omar and ravi (account executives); "
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
