import io

import pytest
from django.core.management import call_command

from abs_platform.tenancy.models import Tenant
from accounts.models import Account
from icp.demo import load_demo_icp
from icp.models import IdealCustomerProfile, SignOff
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_demo_icp_is_complete_and_idempotent(tenant_a):
    for index in range(12):
        AccountFactory(
            tenant=tenant_a, employee_count=100 * (index + 1), status="customer" if index % 4 == 0 else "prospect"
        )
    icp = load_demo_icp(tenant_a)
    again = load_demo_icp(tenant_a)
    with as_tenant(tenant_a):
        assert again.pk == icp.pk
        assert IdealCustomerProfile.objects.get().is_active is True
        assert icp.criteria.count() == 5
        assert SignOff.objects.count() == 3
        assert Account.objects.filter(fit_score__isnull=True).count() == 0
        assert Account.objects.filter(tier__isnull=True).count() == 0
        assert Account.objects.filter(fit_score__gt=0).exists()


def test_load_demo_command_scores_the_main_workspace():
    call_command("load_demo", accounts=15, stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="northwind")
    with as_tenant(tenant):
        assert Account.objects.filter(fit_score__isnull=False).count() == Account.objects.count() > 0
