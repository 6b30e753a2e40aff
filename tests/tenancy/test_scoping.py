import pytest
from django.db import connection

from abs_platform.tenancy.context import NoTenantError, get_current_tenant, tenant_context
from abs_platform.tenancy.db import is_postgresql, tables_missing_policy, tenant_transaction
from abs_platform.tenancy.models import TenantMismatchError
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_scoped_manager_raises_without_a_tenant():
    with pytest.raises(NoTenantError):
        list(Account.objects.all())
    with pytest.raises(NoTenantError):
        get_current_tenant()


def test_scoped_manager_returns_only_the_current_tenants_rows(tenant_a, tenant_b):
    AccountFactory(tenant=tenant_a, name="A1")
    AccountFactory(tenant=tenant_b, name="B1")
    with as_tenant(tenant_a):
        assert list(Account.objects.values_list("name", flat=True)) == ["A1"]
    with as_tenant(tenant_b):
        assert list(Account.objects.values_list("name", flat=True)) == ["B1"]


def test_context_is_reset_after_the_block(tenant_a):
    with tenant_context(tenant_a):
        assert get_current_tenant() == tenant_a
    with pytest.raises(NoTenantError):
        get_current_tenant()


def test_saving_without_a_tenant_is_refused():
    with pytest.raises(NoTenantError):
        Account(name="Orphan").save()


def test_saving_into_another_tenant_is_refused(tenant_a, tenant_b):
    account = AccountFactory(tenant=tenant_b)
    with as_tenant(tenant_a), pytest.raises(TenantMismatchError):
        account.save()


def test_save_stamps_the_current_tenant_and_user(tenant_a, owner_a):
    with as_tenant(tenant_a, owner_a):
        account = Account(name="Stamped")
        account.save()
    assert (account.tenant_id, account.created_by_id, account.updated_by_id) == (tenant_a.pk, owner_a.pk, owner_a.pk)


def test_cross_tenant_foreign_keys_are_refused(tenant_a, tenant_b):
    parent_in_b = AccountFactory(tenant=tenant_b)
    with as_tenant(tenant_a):
        with pytest.raises(TenantMismatchError):
            Account(name="Child", parent_id=parent_in_b.pk).save()
        with pytest.raises(TenantMismatchError):
            Account(name="Child", parent=parent_in_b).save()
        assert Account.objects.filter(name="Child").count() == 0


def test_same_tenant_foreign_keys_are_accepted(tenant_a):
    parent = AccountFactory(tenant=tenant_a, name="Parent")
    with as_tenant(tenant_a):
        child = Account(name="Child", parent_id=parent.pk)
        child.save()
        assert list(parent.children.values_list("name", flat=True)) == ["Child"]


@pytest.mark.skipif(not is_postgresql(), reason="row-level security is PostgreSQL-only")
class TestRowLevelSecurity:
    def test_every_tenant_table_has_the_policy(self):
        assert tables_missing_policy() == []

    def test_app_connects_as_neither_superuser_nor_owner(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
            )
            assert cursor.fetchone() == (False, False)
            cursor.execute("SELECT tableowner = current_user FROM pg_tables WHERE tablename = 'accounts_account'")
            assert cursor.fetchone() == (False,)

    def test_raw_sql_sees_only_the_tenant_of_the_setting(self, tenant_a, tenant_b):
        AccountFactory(tenant=tenant_a, name="A1")
        AccountFactory(tenant=tenant_b, name="B1")
        AccountFactory(tenant=tenant_b, name="B2")
        with tenant_transaction(tenant_a), connection.cursor() as cursor:
            cursor.execute("SELECT name, tenant_id FROM accounts_account ORDER BY name")
            assert cursor.fetchall() == [("A1", tenant_a.pk)]
            cursor.execute("SELECT count(*) FROM accounts_historicalaccount WHERE tenant_id = %s", [tenant_b.pk])
            assert cursor.fetchone() == (0,)

    def test_raw_sql_without_a_setting_sees_nothing(self, tenant_a):
        AccountFactory(tenant=tenant_a)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.tenant_id', '', true)")
            cursor.execute("SELECT count(*) FROM accounts_account")
            assert cursor.fetchone() == (0,)

    def test_raw_insert_into_another_tenant_is_refused(self, tenant_a, tenant_b):
        from django.db import DatabaseError, transaction

        with (
            tenant_transaction(tenant_a),
            pytest.raises(DatabaseError, match="row-level security"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "INSERT INTO accounts_account (tenant_id, name, domain, website, industry, country, status,"
                " is_target, created_at, updated_at) VALUES (%s, 'X', 'x.com', '', '', '', 'prospect', true,"
                " now(), now())",
                [tenant_b.pk],
            )
