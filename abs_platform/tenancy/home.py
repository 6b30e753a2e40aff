"""Which page opens a workspace: ``settings.WORKSPACE_HOME_URL`` unless a registered chooser names another for
this member (tasks: "My day" for members with open tasks). Apps register in their ``AppConfig.ready()``, so
tenancy names no app's URL (docs/architecture.md, "Layers")."""

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

from .context import tenant_context
from .db import tenant_transaction

# A chooser answers a workspace route's name (reversed with the workspace's slug), or None to pass.
HomeChooser = Callable[..., str | None]

_choosers: list[HomeChooser] = []


def register_home_chooser(choose: HomeChooser) -> None:
    if choose not in _choosers:
        _choosers.append(choose)


def workspace_home_url(tenant, user) -> str:
    """The first page of ``tenant`` for ``user``: the first chooser's answer (each asked in the workspace's
    context), else ``settings.WORKSPACE_HOME_URL``."""
    url_name = settings.WORKSPACE_HOME_URL
    if _choosers:
        with tenant_context(tenant, user), tenant_transaction(tenant):
            url_name = next(filter(None, (choose(user) for choose in _choosers)), url_name)
    return reverse(url_name, kwargs={"tenant_slug": tenant.slug})
