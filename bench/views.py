"""The bare baseline: a plain Django view, one SQL query, the same RLS setting, a similar JSON page.

Served twice by the benchmark: behind the product's middleware (``bench.urls``: the path is neither
``/t/<slug>/`` nor ``/api/v1/``, so ``TenantMiddleware`` passes it through), and by a bare Django project
with no middleware and no apps (``bench.settings_bare``). It sets the tenant itself with the product's
``tenant_transaction``, so PostgreSQL applies the same row-level-security policy. What it skips is the
product's own per-request work: authentication, DRF, filters, serializers. It names its tables rather than
import the models, so that the bare project needs no installed app.
"""

from functools import cache
from types import SimpleNamespace

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from abs_platform.tenancy.db import tenant_transaction

PAGE_SIZE = 25
PAGE_SQL = (
    "SELECT a.id, a.name, a.domain, a.website, a.industry, a.employee_count, a.annual_revenue, a.country, "
    "a.status, a.owner_id AS owner, "
    "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.username, '') AS owner_name, "
    "a.is_target, a.parent_id AS parent, a.created_at, a.updated_at "
    'FROM "accounts_account" a LEFT JOIN "auth_user" u ON u.id = a.owner_id '
    "WHERE a.tenant_id = %s ORDER BY a.created_at DESC, a.id DESC LIMIT %s"
)


@cache
def _bench_tenant() -> SimpleNamespace:
    """Looked up once per worker process (the identity tables are exempt from RLS)."""
    with connection.cursor() as cursor:
        cursor.execute('SELECT id FROM "tenancy_tenant" WHERE slug = %s', [settings.BENCH_TENANT_SLUG])
        return SimpleNamespace(pk=cursor.fetchone()[0])


def bare_accounts(request):
    tenant = _bench_tenant()
    with tenant_transaction(tenant), connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, [tenant.pk, PAGE_SIZE])
        columns = [column.name for column in cursor.description]
        results = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"next": None, "previous": None, "results": results})
