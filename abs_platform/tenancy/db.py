"""PostgreSQL row-level security: the defence behind the scoped managers.

Every table with a ``tenant_id`` column (tenant-owned models and their history
tables) gets a policy keyed on the transaction-local setting ``app.tenant_id``
(typed comparison, so the planner keeps its estimates). The identity tables of
this app (memberships, API keys, invitations) are read before a tenant is
known, so they are exempt and only touched through ``tenancy`` services.
On SQLite these functions do nothing: the scoped managers alone apply.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

POLICY_NAME = "tenant_isolation"
RLS_EXEMPT_TABLE_PREFIX = "tenancy_"
TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def tenant_transaction(tenant):
    """One transaction in which the database only shows ``tenant``'s rows.

    Nested in an outer transaction (a savepoint), the outer setting is restored
    at the end, since transaction-local settings outlive a released savepoint.
    """
    nested = connection.in_atomic_block
    with transaction.atomic():
        if not is_postgresql():
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('app.tenant_id', true), set_config('app.tenant_id', %s, true)",
                [str(tenant.pk)],
            )
            previous = cursor.fetchone()[0] or ""
        yield
        # Reached only without an exception; on one, or a requested rollback, the
        # savepoint rollback restores the setting by itself.
        if nested and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.tenant_id', %s, true)", [previous])


@contextmanager
def ops_transaction():
    """One transaction that may read every tenant's rows (platform operators, system code)."""
    nested = connection.in_atomic_block
    with transaction.atomic():
        switched = is_postgresql() and _role_exists(settings.DB_BYPASS_ROLE)
        if switched:
            with connection.cursor() as cursor:
                cursor.execute(f'SET LOCAL ROLE "{settings.DB_BYPASS_ROLE}"')
        yield
        if switched and nested and not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL ROLE NONE")


def _role_exists(role: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        return cursor.fetchone() is not None


def tenant_tables() -> list[str]:
    """Tables that carry tenant data: every public table with a tenant_id column, but the identity tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = 'tenant_id' ORDER BY table_name"
        )
        return [name for (name,) in cursor.fetchall() if not name.startswith(RLS_EXEMPT_TABLE_PREFIX)]


def apply_row_level_security(using="default", **kwargs) -> None:
    """Enable and force RLS with the tenant policy on every tenant table; grant the app roles. Idempotent."""
    if not is_postgresql():
        return
    app_role, bypass_role = settings.DB_APP_ROLE, settings.DB_BYPASS_ROLE
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        if cursor.fetchone()[0] == app_role:
            return  # e.g. a test flush re-emitting post_migrate: only the owner manages policies
    with transaction.atomic(), connection.cursor() as cursor:
        for table in tenant_tables():
            cursor.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            cursor.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            cursor.execute(f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"')
            cursor.execute(
                f'CREATE POLICY {POLICY_NAME} ON "{table}" USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})'
            )
        for role in (app_role, bypass_role):
            if _role_exists(role):
                privileges = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES"
                cursor.execute(f'GRANT {privileges} ON ALL TABLES IN SCHEMA public TO "{role}"')
                cursor.execute(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')


def tables_missing_policy() -> list[str]:
    """Tenant tables without RLS enabled, forced and the tenant policy (the test suite asserts this is empty)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relrowsecurity AND c.relforcerowsecurity "
            "AND EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname AND p.policyname = %s)",
            [POLICY_NAME],
        )
        protected = {name for (name,) in cursor.fetchall()}
    return [table for table in tenant_tables() if table not in protected]
