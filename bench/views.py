"""The bare baseline: a plain Django view, one SQL query, the same RLS setting, a similar JSON page.

It runs behind the same middleware as the product (the path is neither
``/t/<slug>/`` nor ``/api/v1/``, so ``TenantMiddleware`` passes it through)
and sets the tenant itself with the product's ``tenant_transaction``, so
PostgreSQL applies the same row-level-security policy. What it skips is the
product's own per-request work: authentication, DRF, filters, serializers.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import JsonResponse

from abs_platform.tenancy.db import tenant_transaction
from abs_platform.tenancy.models import Tenant
from accounts.models import Account

PAGE_SIZE = 25
_tenant_cache: dict[str, Tenant] = {}


def _bench_tenant() -> Tenant:
    """Looked up once per worker process (the identity tables are exempt from RLS)."""
    slug = settings.BENCH_TENANT_SLUG
    if slug not in _tenant_cache:
        _tenant_cache[slug] = Tenant.objects.get(slug=slug)
    return _tenant_cache[slug]


def _page_sql() -> str:
    account, user = Account._meta.db_table, get_user_model()._meta.db_table
    return (
        "SELECT a.id, a.name, a.domain, a.website, a.industry, a.employee_count, a.annual_revenue, a.country, "
        "a.status, a.owner_id AS owner, "
        "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.username, '') AS owner_name, "
        "a.is_target, a.parent_id AS parent, a.created_at, a.updated_at "
        f'FROM "{account}" a LEFT JOIN "{user}" u ON u.id = a.owner_id '
        "WHERE a.tenant_id = %s ORDER BY a.created_at DESC, a.id DESC LIMIT %s"
    )


def bare_accounts(request):
    tenant = _bench_tenant()
    with tenant_transaction(tenant), connection.cursor() as cursor:
        cursor.execute(_page_sql(), [tenant.pk, PAGE_SIZE])
        columns = [column.name for column in cursor.description]
        results = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"next": None, "previous": None, "results": results})
