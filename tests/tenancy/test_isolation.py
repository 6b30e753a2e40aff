"""The cross-tenant matrix: tenant A's users and keys get 404 for every verb on tenant B's objects."""

import pytest

from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db

VERBS = [
    ("get", "{id}/", None),
    ("get", "{id}/edit/", None),
    ("get", "{id}/row/", None),
    ("put", "{id}/", {"name": "Hijacked", "status": "customer"}),
    ("patch", "{id}/", {"name": "Hijacked"}),
    ("delete", "{id}/", None),
]


@pytest.fixture
def account_b(tenant_b):
    return AccountFactory(tenant=tenant_b, name="Bravo Target", domain="bravo-target.com")


def assert_untouched(account):
    with as_tenant(account.tenant):
        fresh = Account.objects.get(pk=account.pk)
    assert (fresh.name, fresh.status) == ("Bravo Target", "prospect")


@pytest.mark.parametrize(("method", "path", "body"), VERBS)
def test_api_key_of_a_gets_404_on_b(api_a, account_b, method, path, body):
    response = getattr(api_a, method)(f"/api/v1/accounts/{path.format(id=account_b.pk)}", body, format="json")
    assert response.status_code == 404
    assert "Bravo" not in response.content.decode()
    assert_untouched(account_b)


@pytest.mark.parametrize(("method", "path", "body"), VERBS)
def test_htmx_fragments_of_a_get_404_on_b(client_for, member_a, account_b, method, path, body):
    client = client_for(member_a)
    url = f"/t/alpha/api/accounts/{path.format(id=account_b.pk)}"
    response = getattr(client, method)(url, body, content_type="application/json", HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert "Bravo" not in response.content.decode()
    assert_untouched(account_b)


@pytest.mark.parametrize(
    "url", ["/t/bravo/accounts/", "/t/bravo/api/accounts/", "/t/bravo/dashboard/", "/t/bravo/settings/members/"]
)
def test_member_of_a_gets_404_for_b_workspace_pages(client_for, member_a, tenant_b, url):
    assert client_for(member_a).get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_lists_show_only_own_rows(api_a, client_for, member_a, tenant_a, account_b):
    AccountFactory(tenant=tenant_a, name="Alpha Target")
    names = [row["name"] for row in api_a.get("/api/v1/accounts/").json()["results"]]
    assert names == ["Alpha Target"]
    html = client_for(member_a).get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
    assert "Alpha Target" in html
    assert "Bravo Target" not in html


def test_foreign_ids_in_a_request_body_are_refused_without_revealing_them(api_a, account_b):
    response = api_a.post("/api/v1/accounts/", {"name": "Child", "parent": account_b.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {"parent": [f"No account with id {account_b.pk} in this workspace."]}
    missing = api_a.post("/api/v1/accounts/", {"name": "Child", "parent": 999999}, format="json")
    assert missing.json() == {"parent": ["No account with id 999999 in this workspace."]}


def test_b_may_reuse_a_domain_of_a(api_a, api_b, tenant_a):
    AccountFactory(tenant=tenant_a, domain="shared.com")
    response = api_b.post("/api/v1/accounts/", {"name": "Shared B", "domain": "shared.com"}, format="json")
    assert response.status_code == 201
    assert response.json()["domain"] == "shared.com"


def test_owner_must_be_a_member_of_the_workspace(api_a, member_b):
    response = api_a.post("/api/v1/accounts/", {"name": "X", "owner": member_b.pk}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "owner": [f"No member of this workspace who can own records has id {member_b.pk} (viewers cannot)."]
    }


class TestAdminIsolation:
    """A workspace's ops admin (staff + admin role) uses the Django admin limited to their workspace."""

    @pytest.fixture
    def ops_admin_a(self, admin_a):
        admin_a.is_staff = True
        admin_a.save()
        return admin_a

    @pytest.mark.parametrize("view", ["change", "delete", "history"])
    def test_other_tenants_objects_are_404(self, client_for, ops_admin_a, account_b, view):
        suffix = {"change": "change/", "delete": "delete/", "history": "history/"}[view]
        response = client_for(ops_admin_a).get(f"/admin/accounts/account/{account_b.pk}/{suffix}")
        assert response.status_code == 404

    def test_post_to_another_tenants_object_is_404_and_changes_nothing(self, client_for, ops_admin_a, account_b):
        response = client_for(ops_admin_a).post(
            f"/admin/accounts/account/{account_b.pk}/change/", {"name": "Hijacked", "status": "customer"}
        )
        assert response.status_code == 404
        assert_untouched(account_b)

    def test_changelist_shows_own_rows_only(self, client_for, ops_admin_a, tenant_a, account_b):
        AccountFactory(tenant=tenant_a, name="Alpha Target")
        html = client_for(ops_admin_a).get("/admin/accounts/account/").content.decode()
        assert "Alpha Target" in html
        assert "Bravo Target" not in html

    def test_own_objects_open(self, client_for, ops_admin_a, tenant_a):
        account = AccountFactory(tenant=tenant_a, name="Alpha Target")
        assert client_for(ops_admin_a).get(f"/admin/accounts/account/{account.pk}/change/").status_code == 200

    def test_ops_admin_adds_rows_to_their_own_workspace_only(self, client_for, ops_admin_a, tenant_a, tenant_b):
        client = client_for(ops_admin_a)
        form = {"name": "Added", "domain": "https://www.Added.com/", "status": "prospect", "is_target": "on"}
        assert client.get("/admin/accounts/account/add/").status_code == 200
        refused = client.post("/admin/accounts/account/add/", {**form, "tenant": tenant_b.pk})
        assert refused.status_code == 200
        assert "Select a valid choice. That choice is not one of the available choices." in refused.content.decode()
        assert client.post("/admin/accounts/account/add/", {**form, "tenant": tenant_a.pk}).status_code == 302
        with as_tenant(tenant_a):
            assert list(Account.objects.values_list("name", "domain")) == [("Added", "added.com")]
        with as_tenant(tenant_b):
            assert Account.objects.count() == 0

    def test_superuser_sees_every_tenant(self, client, tenant_a, account_b):
        from tests.factories import UserFactory

        AccountFactory(tenant=tenant_a, name="Alpha Target")
        root = UserFactory(username="root", is_staff=True, is_superuser=True)
        client.force_login(root)
        html = client.get("/admin/accounts/account/").content.decode()
        assert "Alpha Target" in html
        assert "Bravo Target" in html
        assert client.get(f"/admin/accounts/account/{account_b.pk}/change/").status_code == 200

    def test_staff_without_admin_role_sees_nothing(self, client_for, member_a, account_b):
        member_a.is_staff = True
        member_a.save()
        assert client_for(member_a).get("/admin/accounts/account/").status_code == 403


def test_members_endpoint_lists_only_own_workspace(api_a, owner_a, member_a, member_b):
    response = api_a.get("/api/v1/members/")
    assert response.status_code == 200
    assert [(row["username"], row["role"]) for row in response.json()] == [("member_a", "member"), ("owner_a", "owner")]
    assert api_a.get(f"/api/v1/members/{member_b.pk}/").status_code == 404
    assert api_a.get(f"/api/v1/members/{member_a.pk}/").json()["email"] == "member_a@example.com"
