import io

import pytest
from django.core.management import call_command

from abs_platform.tenancy.models import Tenant
from accounts.models import Account
from checks import selectors
from checks.models import CoverageResult
from tasks.models import Task, TaskSource, TaskState
from tests.conftest import as_tenant

pytestmark = pytest.mark.django_db


def test_the_demo_has_been_checked_once_so_data_health_shows_its_state():
    call_command("load_demo", stdout=io.StringIO())
    with as_tenant(Tenant.objects.get(slug="northwind")):
        summary = selectors.summary()
        assert summary["coverage_checked_at"] is not None and summary["decay_checked_at"] is not None
        assert CoverageResult.objects.count() == Account.objects.filter(is_target=True).count() > 0
        sourcing = Task.objects.filter(source=TaskSource.COVERAGE, state=TaskState.OPEN).count()
        accounts = Account.objects.count()
    call_command("load_demo", stdout=io.StringIO())  # a second run adds no account, and the checks no task
    with as_tenant(Tenant.objects.get(slug="northwind")):
        assert Account.objects.count() == accounts
        assert Task.objects.filter(source=TaskSource.COVERAGE, state=TaskState.OPEN).count() == sourcing
