import time

import pytest
from celery.contrib.testing.worker import start_worker

from abs_platform.celery import app
from abs_platform.tenancy.context import NoTenantError, current_scope, get_current_tenant
from abs_platform.tenancy.tasks import tenant_task
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory


@tenant_task(name="tests.rename_accounts")
def rename_accounts(suffix: str) -> list[str]:
    """Touches only the current tenant's accounts, through the scoped manager."""
    names = []
    for account in Account.objects.order_by("name"):
        account.name = f"{account.name}{suffix}"
        account.save()
        names.append(account.name)
    return names


@pytest.mark.django_db
def test_task_runs_in_its_tenant_and_resets_the_context(tenant_a, tenant_b):
    AccountFactory(tenant=tenant_a, name="A1")
    AccountFactory(tenant=tenant_b, name="B1")
    assert rename_accounts.apply(args=[tenant_a.pk, "-done"]).get() == ["A1-done"]
    assert current_scope() is None
    with pytest.raises(NoTenantError):
        get_current_tenant()
    with as_tenant(tenant_b):
        assert list(Account.objects.values_list("name", flat=True)) == ["B1"]


@pytest.mark.django_db
def test_task_refuses_an_unknown_or_inactive_tenant(tenant_a):
    tenant_a.is_active = False
    tenant_a.save()
    with pytest.raises(tenant_a.DoesNotExist):
        rename_accounts.apply(args=[tenant_a.pk, "-x"]).get()


@pytest.mark.django_db
def test_task_never_inherits_another_tenants_scope(tenant_a, tenant_b):
    with as_tenant(tenant_a), pytest.raises(RuntimeError, match="another tenant"):
        rename_accounts.apply(args=[tenant_b.pk, "-x"]).get()


def test_tasks_are_declared_reliable():
    assert (rename_accounts.acks_late, rename_accounts.reject_on_worker_lost) == (True, True)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_task_from_redis(tenant_a):
    """Enqueued through the Redis broker of the test run and executed by a worker thread."""
    account = AccountFactory(tenant=tenant_a, name="A1")
    assert app.conf.broker_url.startswith("redis://")
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        rename_accounts.delay(tenant_a.pk, "-via-redis")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with as_tenant(tenant_a):
                name = Account.objects.get(pk=account.pk).name
            if name == "A1-via-redis":
                break
            time.sleep(0.1)
    assert name == "A1-via-redis"
