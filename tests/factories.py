from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from abs_platform.tenancy.context import tenant_context
from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Membership, Role, Tenant
from accounts.models import Account, AccountStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("correct-horse-battery")


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class TenantOwnedFactory(factory.django.DjangoModelFactory):
    """Creates rows the way the app does: inside their tenant's context and row-level security."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        tenant = kwargs["tenant"]
        with tenant_context(tenant), tenant_transaction(tenant):
            return super()._create(model_class, *args, **kwargs)


class AccountFactory(TenantOwnedFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.com")
    industry = "Software"
    employee_count = 250
    country = "US"
    status = AccountStatus.PROSPECT


# --- Contacts, signals, opportunities, technologies, personas, tiers (issue 3) -----------------------


class TechnologyFactory(TenantOwnedFactory):
    class Meta:
        model = "accounts.Technology"

    name = factory.Sequence(lambda n: f"Tool {n}")
    category = "CRM"


class ContactFactory(TenantOwnedFactory):
    """A contact saved as-is (no automatic persona matching: that is the service's job)."""

    class Meta:
        model = "accounts.Contact"

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    first_name = factory.Sequence(lambda n: f"Person{n}")
    last_name = "Example"
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    status = "active"


class SignalFactory(TenantOwnedFactory):
    class Meta:
        model = "accounts.Signal"

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    signal_type = "funding"
    occurred_on = factory.Faker("date_this_year")
    title = factory.Sequence(lambda n: f"Signal {n}")


class OpportunityFactory(TenantOwnedFactory):
    class Meta:
        model = "accounts.Opportunity"

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = 10000
    stage = "prospecting"
    opened_on = factory.Faker("date_this_year")


class ActivityFactory(TenantOwnedFactory):
    class Meta:
        model = "accounts.Activity"

    account = factory.SubFactory(AccountFactory, tenant=factory.SelfAttribute("..tenant"))
    channel = "email"
    direction = "outbound"
    occurred_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    subject = factory.Sequence(lambda n: f"Touch {n}")


class PersonaFactory(TenantOwnedFactory):
    class Meta:
        model = "personas.Persona"

    name = factory.Sequence(lambda n: f"Persona {n}")


class TierFactory(TenantOwnedFactory):
    class Meta:
        model = "icp.Tier"
        django_get_or_create = ("tenant", "rank")

    rank = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda tier: f"Tier {tier.rank}")
    engagement_model = "one_to_one"


class CommitteeRequirementFactory(TenantOwnedFactory):
    class Meta:
        model = "personas.CommitteeRequirement"

    tier = factory.SubFactory(TierFactory, tenant=factory.SelfAttribute("..tenant"))
    persona = factory.SubFactory(PersonaFactory, tenant=factory.SelfAttribute("..tenant"))
    min_contacts = 1


# --- ICP (issue 3, icp/) ----------------------------------------------------------------------------


class IcpFactory(TenantOwnedFactory):
    class Meta:
        model = "icp.IdealCustomerProfile"

    version = factory.Sequence(lambda n: n + 1)
    name = "Ideal customer profile"
    is_active = False


class CriterionFactory(TenantOwnedFactory):
    class Meta:
        model = "icp.Criterion"

    icp = factory.SubFactory(IcpFactory, tenant=factory.SelfAttribute("..tenant"))
    kind = "industry"
    params = factory.LazyFunction(lambda: {"values": ["Software"]})
    weight = 10


class SignOffFactory(TenantOwnedFactory):
    class Meta:
        model = "icp.SignOff"

    icp = factory.SubFactory(IcpFactory, tenant=factory.SelfAttribute("..tenant"))
    department = "sales"
