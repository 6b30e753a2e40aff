"""``tenant_task``: the Celery side of the tenant context."""

import functools

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from .context import current_scope, tenant_context
from .db import tenant_transaction
from .models import Tenant

TENANT_TASK_DEFAULTS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def tenant_task(*decorator_args, **options):
    """Declare a task that runs for one tenant: call it as ``task.delay(tenant_id, ...)``.

    The tenant is loaded from the id, made current and the body runs in one
    transaction under row-level security. A task never inherits a tenant from
    a previous task: it refuses to start inside another tenant scope.
    """

    def decorate(func):
        @shared_task(
            name=options.pop("name", f"{func.__module__}.{func.__name__}"), **{**TENANT_TASK_DEFAULTS, **options}
        )
        @functools.wraps(func)
        def run(tenant_id: int, *args, **kwargs):
            if current_scope() is not None and current_scope().tenant.pk != tenant_id:
                raise RuntimeError("A tenant task started inside another tenant's scope.")
            tenant = Tenant.objects.get(pk=tenant_id, is_active=True)
            with tenant_context(tenant), tenant_transaction(tenant):
                return func(*args, **kwargs)

        return run

    if decorator_args and callable(decorator_args[0]):
        return decorate(decorator_args[0])
    return decorate
