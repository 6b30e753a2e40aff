"""The current tenant (and acting user) of this request, task or command.

Set by the three entry points, each resetting it in a ``finally``:
``TenantMiddleware`` (browser routes ``/t/<slug>/`` and API keys on
``/api/v1/``) and the ``tenant_task`` Celery decorator. Code that acts for
one known tenant outside those (the ops admin saving an object, management
commands, tests) uses ``tenant_context`` for that object's tenant.
"""

import zoneinfo
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from .models import Tenant


class NoTenantError(RuntimeError):
    """Tenant-owned data was touched with no current tenant: fail closed."""


@dataclass(frozen=True)
class TenantScope:
    tenant: "Tenant"
    user: Any = None


_current_scope: ContextVar[TenantScope | None] = ContextVar("current_tenant_scope", default=None)


def current_scope() -> TenantScope | None:
    return _current_scope.get()


def get_current_tenant() -> "Tenant":
    scope = _current_scope.get()
    if scope is None:
        raise NoTenantError("No current tenant: tenant-owned data needs a tenant context.")
    return scope.tenant


def workspace_zone() -> zoneinfo.ZoneInfo:
    """The current workspace's time zone. Pages run in it; API-key requests (whose times are UTC) and tasks
    do not, so whatever counts in the workspace's days (today, engagement windows) asks for it here."""
    return zoneinfo.ZoneInfo(get_current_tenant().time_zone)


def workspace_today() -> date:
    """Today in the current workspace's time zone, whichever path asks (page, API key, task)."""
    return timezone.localdate(timezone=workspace_zone())


def get_current_user():
    scope = _current_scope.get()
    return scope.user if scope else None


def acting_user():
    """The logged-in user of the current scope; None for anonymous requests and system work."""
    user = get_current_user()
    return user if getattr(user, "is_authenticated", False) else None


def acting_user_id() -> int | None:
    """``acting_user()``'s id (e.g. the initial value of a form's member field)."""
    user = acting_user()
    return user.pk if user else None


@contextmanager
def tenant_context(tenant: "Tenant", user=None):
    """Make ``tenant`` current for the block; restores the previous scope after."""
    token = _current_scope.set(TenantScope(tenant=tenant, user=user))
    try:
        yield tenant
    finally:
        _current_scope.reset(token)
