"""The database as the last line of isolation (ADR 0001, ADR 0017), audited from the models.

Tenant tables and the references between them are found from the model registry — every model
with a foreign key to ``Tenant`` (tenant-owned models and their history models) — so a new tenant
model without row-level security, or a new reference without its same-tenant key, fails here.
"""

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import environ
import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.utils import timezone

from abs_platform.jobs.models import Job
from abs_platform.tenancy.db import (
    POLICY_NAME,
    is_postgresql,
    ops_transaction,
    same_tenant_constraints,
    tenant_tables,
)
from abs_platform.tenancy.models import ApiKey, Invitation, Membership, Tenant, TenantOwnedModel
from accounts.models import Account, AccountStatusChange, AccountTechnology, ImportBatch, SavedView
from checks.models import CheckSettings, CoverageResult, StaleMark, TierStaleness
from metrics.models import DailySnapshot, MetricsSettings, SpendEntry
from planning.models import AccountPlan, AccountPlanPlay, AccountReview, HandOff, ReviewAction, ReviewCadence
from plays.models import (
    OfferPersona,
    PlayRun,
    PlayRunTask,
    PlayTemplatePersona,
    PlayTemplateTier,
    TriggerFiring,
    TriggerRule,
)
from tasks.models import Task, TouchLimit
from teams.models import RoleRequirement, StaffingSettings, Team, TeamAccount, TeamMember, TeamRole
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    CriterionFactory,
    OpportunityFactory,
    PersonaFactory,
    SignalFactory,
    SignOffFactory,
    TechnologyFactory,
    TierFactory,
    UserFactory,
)
from tests.plays.factories import OfferFactory, PlayStepFactory, PlayTemplateFactory

ROOT = Path(__file__).resolve().parents[2]
# Read before any tenant is known, so exempt from row-level security by design (ADR 0001).
IDENTITY_MODELS = {Membership, ApiKey, Invitation}
POLICY_EXPRESSION = "(tenant_id = (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::bigint)"

postgresql_only = pytest.mark.skipif(not is_postgresql(), reason="PostgreSQL roles and row-level security")


def tenant_models() -> list:
    """Every model with a foreign key to Tenant, but the identity models (and their history)."""
    return [
        model
        for model in apps.get_models()
        if any(field.many_to_one and field.related_model is Tenant for field in model._meta.concrete_fields)
        and getattr(model, "instance_type", model) not in IDENTITY_MODELS
    ]


def model_references(*, one_to_one: bool = True) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) of every constrained foreign key between tenant models
    (one-to-one keys too, unless ``one_to_one`` is false)."""
    return sorted(
        (model._meta.db_table, field.column, field.related_model._meta.db_table, field.target_field.column)
        for model in apps.get_models()
        if issubclass(model, TenantOwnedModel)
        for field in model._meta.concrete_fields
        if (field.many_to_one or (one_to_one and field.one_to_one))
        and field.db_constraint
        and issubclass(field.related_model, TenantOwnedModel)
    )


def one_to_one_columns() -> set[tuple[str, str]]:
    return {
        (model._meta.db_table, field.column)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.one_to_one
    }


def fill_every_tenant_table(tenant):
    """One row (and its history) in every tenant table, the way the app writes them."""
    user = UserFactory(username=f"user_{tenant.slug}")
    parent = AccountFactory(tenant=tenant, name=f"{tenant.name} group")
    tier = TierFactory(tenant=tenant)
    persona = PersonaFactory(tenant=tenant)
    account = AccountFactory(tenant=tenant, name=f"{tenant.name} sub", parent=parent, tier=tier, suggested_tier=tier)
    contact = ContactFactory(tenant=tenant, account=account, persona=persona)
    signal = SignalFactory(tenant=tenant, account=account, contact=contact)
    OpportunityFactory(tenant=tenant, account=account)
    ActivityFactory(tenant=tenant, account=account, contact=contact)
    CommitteeRequirementFactory(tenant=tenant, tier=tier, persona=persona)
    CriterionFactory(tenant=tenant)
    SignOffFactory(tenant=tenant)
    technology = TechnologyFactory(tenant=tenant)
    with as_tenant(tenant, user):
        AccountTechnology.objects.create(account=account, technology=technology)
        SavedView.objects.create(name="Mine", user=user, query="q=a")
        ImportBatch.objects.create(kind="accounts", content="name\nA\n", job=Job.objects.create(kind="import"))
        offer = OfferFactory(tenant=tenant)
        template = PlayTemplateFactory(tenant=tenant)
        PlayStepFactory(tenant=tenant, template=template, offer=offer)
        OfferPersona.objects.create(offer=offer, persona=persona)
        PlayTemplateTier.objects.create(template=template, tier=tier)
        PlayTemplatePersona.objects.create(template=template, persona=persona)
        run = PlayRun.objects.create(template=template, template_version=1, account=account, started_at=timezone.now())
        task = Task.objects.create(account=account, title="Step", due_on=date(2026, 3, 2))
        PlayRunTask.objects.create(run=run, task=task, step_position=1)
        rule = TriggerRule.objects.create(signal_type="funding", template=template)
        TriggerFiring.objects.create(rule=rule, signal=signal, run=run, task=task)
        team = Team.objects.create(name="Strategic", rule_tier=tier)
        TeamMember.objects.create(team=team, user=user, role=TeamRole.SDR)
        TeamAccount.objects.create(team=team, account=account)
        RoleRequirement.objects.create(tier=tier, role=TeamRole.SDR)
        StaffingSettings.objects.create()
        plan = AccountPlan.objects.create(account=account, owner=user)
        AccountPlanPlay.objects.create(plan=plan, template=template)
        ReviewCadence.objects.create(tier=tier, months=1)
        TierFactory(tenant=tenant)  # a tier without a cadence, for the one-to-one reference's test
        review = AccountReview.objects.create(
            account=account, period_start="2026-01-01", period_end="2026-01-31", held_on="2026-02-01", status="green"
        )
        ReviewAction.objects.create(review=review, position=1, title="Call", assignee=user, due_on="2026-02-05")
        task = Task.objects.create(account=account, contact=contact, title="Call", due_on="2026-02-05")
        HandOff.objects.create(account=account, from_user=user, to_user=user, passed_at=timezone.now(), task=task)
        TouchLimit.objects.create()
        CheckSettings.objects.create()
        MetricsSettings.objects.create()
        DailySnapshot.objects.create(
            day=date(2026, 3, 2),
            taken_at=timezone.now(),
            engaged_accounts=0,
            touches=0,
            open_deals=0,
            open_pipeline=0,
            tasks_done=0,
            tasks_overdue=0,
        )
        AccountStatusChange.objects.create(account=account, status="customer", changed_on=date(2026, 3, 1))
        SpendEntry.objects.create(
            period_start=date(2026, 3, 1), period_end=date(2026, 3, 31), channel="events", amount=1
        )
        TierStaleness.objects.create(tier=tier, stale_after_days=180)
        CoverageResult.objects.create(
            account=account,
            checked_at=timezone.now(),
            data_complete=True,
            firmographics_verified=True,
            personas_required=1,
            personas_covered=1,
            team_complete=True,
        )
        StaleMark.objects.create(account=account, contact=contact, reason="bounced", since=date(2026, 3, 2))


def table_counts(tables) -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def both_filled(tenant_a, tenant_b):
    fill_every_tenant_table(tenant_a)
    fill_every_tenant_table(tenant_b)
    return tenant_a, tenant_b


@postgresql_only
@pytest.mark.django_db
class TestRowLevelSecurityAudit:
    def test_the_tables_the_hook_protects_are_exactly_the_tenant_models(self):
        assert sorted(model._meta.db_table for model in tenant_models()) == tenant_tables()

    def test_every_tenant_table_has_row_level_security_enabled_forced_and_its_policy(self):
        tables = sorted(model._meta.db_table for model in tenant_models())
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
                "array(SELECT ARRAY[p.policyname::text, p.permissive, p.roles::text, p.cmd, p.qual, p.with_check] "
                "FROM pg_policies p WHERE p.schemaname = current_schema() AND p.tablename = c.relname) "
                "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY(%s) "
                "ORDER BY c.relname",
                [tables],
            )
            found = {table: tuple(rest) for table, *rest in cursor.fetchall()}
        policy = [POLICY_NAME, "PERMISSIVE", "{public}", "ALL", POLICY_EXPRESSION, POLICY_EXPRESSION]
        assert found == {table: (True, True, [policy]) for table in tables}

    def test_the_app_role_is_not_owner_superuser_or_bypassing(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_user, rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (settings.DB_APP_ROLE, False, False, False)
            cursor.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                "AND pg_has_role(current_user, relowner, 'USAGE')"
            )
            assert cursor.fetchall() == []

    def test_neither_the_app_role_nor_its_bypass_role_may_truncate_any_table(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relname, has_table_privilege(current_user, oid, 'TRUNCATE'), "
                "has_table_privilege(%s, oid, 'TRUNCATE'), "
                "has_table_privilege(current_user, oid, 'SELECT, INSERT, UPDATE, DELETE') "
                "FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p')",
                [settings.DB_BYPASS_ROLE],
            )
            rows = cursor.fetchall()
        assert {"accounts_account", "auth_user", "tenancy_membership"} <= {table for table, *_ in rows}
        assert {table: rest for table, *rest in rows} == {table: [False, False, True] for table, *_ in rows}

    def test_truncate_as_the_app_role_fails_and_leaves_the_rows(self, both_filled):
        for bypass in (False, True):
            denied = pytest.raises(ProgrammingError, match="permission denied for table accounts_account")
            with denied, ops_transaction() if bypass else transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("TRUNCATE accounts_account CASCADE")
        with ops_transaction():
            assert table_counts(["accounts_account"]) == {"accounts_account": 4}

    def test_with_no_tenant_set_every_tenant_table_reads_no_rows(self, both_filled):
        tables = sorted(model._meta.db_table for model in tenant_models())
        with ops_transaction():
            empty = [table for table, count in table_counts(tables).items() if count == 0]
        assert empty == [], "fill_every_tenant_table() must write a row to every tenant table"
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(current_setting('app.tenant_id', true), '')")
            assert cursor.fetchone() == ("",)
        assert table_counts(tables) == dict.fromkeys(tables, 0)


@postgresql_only
@pytest.mark.django_db
class TestSameTenantReferences:
    def test_every_reference_between_tenant_models_has_its_composite_key(self):
        references = model_references()
        assert ("accounts_account", "parent_id", "accounts_account", "id") in references
        assert sorted(same_tenant_constraints()) == references

    # One-to-one keys are unique across workspaces, so pointing one at a taken row fails on uniqueness first.
    @pytest.mark.parametrize("reference", model_references(one_to_one=False), ids="{0[0]}.{0[1]}".format)
    def test_a_raw_update_pointing_into_another_workspace_fails(self, both_filled, reference):
        table, column, target, target_column = reference
        tenant_a, tenant_b = both_filled
        # One row of A aims at a row of B; for a one-to-one reference, a row no row of the table names yet (else
        # its uniqueness fails before the same-workspace key is checked).
        unnamed = f'WHERE "{target_column}" NOT IN (SELECT "{column}" FROM "{table}" WHERE "{column}" IS NOT NULL)'
        with as_tenant(tenant_b), connection.cursor() as cursor:
            cursor.execute(
                f'SELECT "{target_column}" FROM "{target}" '
                f"{unnamed if (table, column) in one_to_one_columns() else ''} ORDER BY id LIMIT 1"
            )
            foreign_id = cursor.fetchone()[0]
        name = same_tenant_constraints()[reference]
        with as_tenant(tenant_a), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            refused = pytest.raises(IntegrityError, match=f'violates foreign key constraint "{name}"')
            with refused, transaction.atomic():
                cursor.execute(
                    f'UPDATE "{table}" SET "{column}" = %s WHERE id = (SELECT min(id) FROM "{table}")', [foreign_id]
                )

    def test_an_orm_update_that_skips_save_is_refused_too(self, tenant_a, tenant_b):
        child = AccountFactory(tenant=tenant_a, name="Child")
        foreign = AccountFactory(tenant=tenant_b, name="Foreign")
        refused = pytest.raises(IntegrityError, match="accounts_account_parent_id_same_tenant")
        with as_tenant(tenant_a), connection.cursor() as cursor:
            with refused, transaction.atomic():
                Account.objects.filter(pk=child.pk).update(parent_id=foreign.pk)
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            assert list(Account.objects.values_list("name", "parent_id")) == [("Child", None)]

    def test_a_reference_inside_the_workspace_still_works(self, both_filled):
        tenant_a, _ = both_filled
        with as_tenant(tenant_a), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("UPDATE accounts_account SET parent_id = NULL")
            cursor.execute("SELECT min(id), max(id) FROM accounts_account")
            first, last = cursor.fetchone()
            cursor.execute("UPDATE accounts_account SET parent_id = %s WHERE id = %s", [first, last])
            cursor.execute("SELECT id, parent_id FROM accounts_account ORDER BY id")
            assert cursor.fetchall() == [(first, None), (last, first)]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_cross_workspace_reference_fails_at_commit_and_nothing_is_written(tenant_a, tenant_b):
    """Without SET CONSTRAINTS: the key is deferred like Django's, so the commit refuses it."""
    child = AccountFactory(tenant=tenant_a, name="Child")
    foreign = AccountFactory(tenant=tenant_b, name="Foreign")
    refused = pytest.raises(IntegrityError, match="accounts_account_parent_id_same_tenant")
    with refused, as_tenant(tenant_a), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_account SET parent_id = %s WHERE id = %s", [foreign.pk, child.pk])
    with as_tenant(tenant_a), connection.cursor() as cursor:
        cursor.execute("SELECT name, parent_id FROM accounts_account")
        assert cursor.fetchall() == [("Child", None)]


def run_migrate(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_migrate_refuses_to_add_a_same_tenant_key_over_rows_that_already_cross_workspaces(tenant_a, tenant_b):
    """Data written before the keys existed: the owner's check must see every row despite forced RLS."""
    child = AccountFactory(tenant=tenant_a, name="Child")
    foreign = AccountFactory(tenant=tenant_b, name="Foreign")
    owner = environ.Env.db_url_config(os.environ["DATABASE_OWNER_URL"])
    owner["NAME"] = connection.settings_dict["NAME"]
    owner_url = "postgres://{USER}:{PASSWORD}@{HOST}:{PORT}/{NAME}".format(**owner)
    as_owner = psycopg.connect(owner_url, autocommit=True)
    try:
        as_owner.execute("ALTER TABLE accounts_account DROP CONSTRAINT accounts_account_parent_id_same_tenant")
        as_owner.execute("SELECT set_config('app.tenant_id', %s, false)", [str(tenant_a.pk)])
        as_owner.execute("UPDATE accounts_account SET parent_id = %s WHERE id = %s", [foreign.pk, child.pk])

        result = run_migrate({"DATABASE_URL": owner_url, "DJANGO_SETTINGS_MODULE": "abs_platform.settings"})
        assert result.returncode == 1
        assert 'violates foreign key constraint "accounts_account_parent_id_same_tenant"' in result.stderr
        assert ("accounts_account", "parent_id", "accounts_account", "id") not in same_tenant_constraints()
        with connection.cursor() as cursor:
            cursor.execute("SELECT relname FROM pg_class WHERE relname = 'accounts_account' AND relforcerowsecurity")
            assert cursor.fetchall() == [("accounts_account",)]

        as_owner.execute("UPDATE accounts_account SET parent_id = NULL WHERE id = %s", [child.pk])
        result = run_migrate({"DATABASE_URL": owner_url, "DJANGO_SETTINGS_MODULE": "abs_platform.settings"})
        assert result.returncode == 0, result.stderr
        assert ("accounts_account", "parent_id", "accounts_account", "id") in same_tenant_constraints()
    finally:
        as_owner.execute("UPDATE accounts_account SET parent_id = NULL WHERE id = %s", [child.pk])
        as_owner.close()
        if ("accounts_account", "parent_id", "accounts_account", "id") not in same_tenant_constraints():
            run_migrate({"DATABASE_URL": owner_url, "DJANGO_SETTINGS_MODULE": "abs_platform.settings"})


def test_migrate_on_sqlite_creates_the_schema_without_the_postgresql_guards(tmp_path):
    """The embedded default (``make run``) migrates a fresh SQLite file; the hook does nothing there."""
    database = tmp_path / "db.sqlite3"
    result = run_migrate(
        {
            "HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "abs_platform.settings",
            "ABS_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{database}",
        }
    )
    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        indexes = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE name LIKE '%same_tenant%'")]
    assert {"accounts_account", "icp_tier", "personas_persona", "jobs_job"} <= tables
    assert indexes == []
