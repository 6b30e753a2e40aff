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
from django.db.backends.utils import truncate_name

POLICY_NAME = "tenant_isolation"
RLS_EXEMPT_TABLE_PREFIX = "tenancy_"
TENANT_PREDICATE = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def advisory_lock(*key: int):
    """Yields whether this connection got PostgreSQL's session-level advisory lock on ``key`` (one bigint, or
    two ints) without waiting; it is held until the block ends or the connection goes (a killed process's lock
    goes with it). Always granted on other databases."""
    if not is_postgresql():
        yield True
        return
    arguments = "%s::bigint" if len(key) == 1 else "%s::int, %s::int"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_try_advisory_lock({arguments})", key)
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT pg_advisory_unlock({arguments})", key)


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
        apply_same_tenant_references(cursor)
        for table in tenant_tables():
            cursor.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
            cursor.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
            cursor.execute(f'DROP POLICY IF EXISTS {POLICY_NAME} ON "{table}"')
            cursor.execute(
                f'CREATE POLICY {POLICY_NAME} ON "{table}" USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})'
            )
        for role in (app_role, bypass_role):
            if _role_exists(role):
                # No TRUNCATE: it ignores row-level security (and the app role inherits the bypass role's grants).
                cursor.execute(
                    f'GRANT SELECT, INSERT, UPDATE, DELETE, REFERENCES ON ALL TABLES IN SCHEMA public TO "{role}"'
                )
                cursor.execute(f'REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM "{role}"')
                cursor.execute(f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO "{role}"')


_TENANT_FOREIGN_KEYS_SQL = """
SELECT con.conname, src.relname, col.attname, dst.relname, ref.attname, cardinality(con.conkey) = 2
FROM pg_constraint con
JOIN pg_class src ON src.oid = con.conrelid
JOIN pg_class dst ON dst.oid = con.confrelid
JOIN pg_attribute src_tenant ON src_tenant.attrelid = src.oid AND src_tenant.attname = 'tenant_id'
JOIN pg_attribute dst_tenant ON dst_tenant.attrelid = dst.oid AND dst_tenant.attname = 'tenant_id'
JOIN pg_attribute col ON col.attrelid = src.oid AND col.attnum = con.conkey[cardinality(con.conkey)]
JOIN pg_attribute ref ON ref.attrelid = dst.oid AND ref.attnum = con.confkey[cardinality(con.confkey)]
WHERE con.contype = 'f' AND src.relnamespace = current_schema()::regnamespace
  AND col.attname <> 'tenant_id'
  AND (cardinality(con.conkey) = 1
       OR cardinality(con.conkey) = 2 AND con.conkey[1] = src_tenant.attnum AND con.confkey[1] = dst_tenant.attnum)
ORDER BY src.relname, col.attname
"""


def _tenant_foreign_keys() -> tuple[list[tuple[str, str, str, str]], dict[tuple[str, str, str, str], str]]:
    """Foreign keys between two tables with a ``tenant_id`` column.

    Returns Django's one-column references as ``(table, column, referenced table, referenced
    column)``, and the names of the composite ``(tenant_id, column)`` keys in place by reference.
    """
    references, composites = [], {}
    with connection.cursor() as cursor:
        cursor.execute(_TENANT_FOREIGN_KEYS_SQL)
        for name, *reference, is_composite in cursor.fetchall():
            if is_composite:
                composites[tuple(reference)] = name
            else:
                references.append(tuple(reference))
    return references, composites


def tenant_references() -> list[tuple[str, str, str, str]]:
    """Every foreign key from a tenant table into another tenant table (Django's one-column constraints)."""
    return _tenant_foreign_keys()[0]


def same_tenant_constraints() -> dict[tuple[str, str, str, str], str]:
    """The composite foreign keys that keep each reference inside its row's tenant, by reference."""
    return _tenant_foreign_keys()[1]


def apply_same_tenant_references(cursor) -> None:
    """Make every reference between tenant tables stay inside one tenant. Idempotent.

    Foreign-key checks ignore row-level security, so ``parent_id`` may name another tenant's
    row; a second, composite key ``(tenant_id, parent_id) → (tenant_id, id)`` cannot. It is
    deferred like Django's own, and a null reference passes (MATCH SIMPLE). Composites whose
    reference is gone or retargeted are dropped.
    """
    references, composites = _tenant_foreign_keys()
    max_length = connection.ops.max_name_length()
    for reference, name in composites.items():
        if reference not in references:
            cursor.execute(f'ALTER TABLE "{reference[0]}" DROP CONSTRAINT "{name}"')
    cursor.execute("SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace")
    existing = {name for (name,) in cursor.fetchall()}
    for target, target_column in sorted({reference[2:] for reference in references}):
        name = truncate_name(f"{target}_tenant_id_{target_column}_key", max_length)
        if name not in existing:
            cursor.execute(f'ALTER TABLE "{target}" ADD CONSTRAINT "{name}" UNIQUE (tenant_id, "{target_column}")')
    for reference in references:
        if reference in composites:
            continue
        table, column, target, target_column = reference
        name = truncate_name(f"{table}_{column}_same_tenant", max_length)
        # The check of existing rows runs as the owner, whom forced RLS would show no rows at all.
        for forced in {table, target}:
            cursor.execute(f'ALTER TABLE "{forced}" NO FORCE ROW LEVEL SECURITY')
        cursor.execute(
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" FOREIGN KEY (tenant_id, "{column}") '
            f'REFERENCES "{target}" (tenant_id, "{target_column}") DEFERRABLE INITIALLY DEFERRED'
        )
        for forced in {table, target}:
            cursor.execute(f'ALTER TABLE "{forced}" FORCE ROW LEVEL SECURITY')


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
