"""``tenant_task``: the Celery side of the tenant context."""

import functools
import smtplib
import zlib
from collections.abc import Callable
from contextlib import nullcontext

from celery import shared_task
from celery.utils.log import get_task_logger
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from .context import current_scope, tenant_context
from .db import advisory_lock, tenant_transaction
from .models import Tenant

logger = get_task_logger(__name__)

TENANT_TASK_DEFAULTS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # Errors of the database, the broker and the network (a mail server that drops the connection included).
    "autoretry_for": (
        OperationalError,
        InterfaceError,
        BrokerError,
        ConnectionError,
        TimeoutError,
        smtplib.SMTPException,
    ),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
}


def for_each_active_tenant(enqueue: Callable[[], object]) -> int:
    """Call ``enqueue`` in each active tenant's context and transaction, in id order (beat's daily fan-outs: one
    job per workspace); how many tenants."""
    tenants = list(Tenant.objects.filter(is_active=True).order_by("id"))
    for tenant in tenants:
        with tenant_context(tenant), tenant_transaction(tenant):
            enqueue()
    return len(tenants)


def exclusive_for_tenant(task_name: str, tenant_id: int):
    """Yields whether this is the only run of ``task_name`` for the tenant (PostgreSQL advisory lock)."""
    key = zlib.crc32(task_name.encode()) & 0x7FFFFFFF  # pg_try_advisory_lock(int4, int4): keep it in range
    return advisory_lock(key, tenant_id)


def tenant_task(*decorator_args, atomic: bool = True, exclusive: bool = False, **options):
    """Declare a task that runs for one tenant: call it as ``task.delay(tenant_id, ...)``.

    The tenant is loaded from the id and made current. With ``atomic`` (the
    default) the body runs in one transaction under row-level security; long
    jobs that report progress pass ``atomic=False`` and open
    ``tenant_transaction`` per chunk. With ``exclusive`` a second run for the
    same tenant while one is going returns None without doing anything. A
    task never inherits a tenant from a previous task: it refuses to start
    inside another tenant's scope.
    """

    def decorate(func):
        name = options.pop("name", f"{func.__module__}.{func.__name__}")

        @shared_task(name=name, **{**TENANT_TASK_DEFAULTS, **options})
        @functools.wraps(func)
        def run(tenant_id: int, *args, **kwargs):
            scope = current_scope()
            if scope is not None and scope.tenant.pk != tenant_id:
                raise RuntimeError("A tenant task started inside another tenant's scope.")
            tenant = Tenant.objects.get(pk=tenant_id, is_active=True)
            with exclusive_for_tenant(name, tenant_id) if exclusive else nullcontext(True) as alone:
                if not alone:
                    logger.info("%s is already running for tenant %s; skipped.", name, tenant_id)
                    return None
                with tenant_context(tenant), tenant_transaction(tenant) if atomic else nullcontext():
                    return func(*args, **kwargs)

        return run

    if decorator_args and callable(decorator_args[0]):
        return decorate(decorator_args[0])
    return decorate
