"""The Django admin of a workspace's ops admins runs in that workspace, under row-level security."""

import pytest

from abs_platform.tenancy.models import Role
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, MembershipFactory, TechnologyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_admin_a(admin_a):
    admin_a.is_staff = True
    admin_a.save()
    return admin_a


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_history_version_page_opens(client_for, tenant_a, ops_admin_a, root):
    account = AccountFactory(tenant=tenant_a, name="Alpha Target")
    with as_tenant(tenant_a):
        version = Account.history.get(id=account.pk)
    for user in (ops_admin_a, root):
        response = client_for(user).get(f"/admin/accounts/account/{account.pk}/history/{version.history_id}/")
        assert response.status_code == 200
        assert "Alpha Target" in response.content.decode()


@pytest.fixture
def bravo(tenant_b, member_b):
    """Another workspace's rows, each named so that any trace of them on a page shows."""
    account = AccountFactory(tenant=tenant_b, name="Bravo Target")
    return {
        "account": account,
        "contact": ContactFactory(tenant=tenant_b, account=account, first_name="Bravo", last_name="Person"),
        "technology": TechnologyFactory(tenant=tenant_b, name="Bravo Stack"),
        "user": member_b,
    }


RAW_ID_FIELDS = [
    ("accounts/contact", "account", "account"),
    ("accounts/signal", "account", "account"),
    ("accounts/signal", "contact", "contact"),
    ("accounts/activity", "account", "account"),
    ("accounts/activity", "contact", "contact"),
    ("accounts/activity", "owner", "user"),
    ("accounts/opportunity", "account", "account"),
    ("accounts/accounttechnology", "account", "account"),
    ("accounts/accounttechnology", "technology", "technology"),
    ("tenancy/membership", "user", "user"),
]


def field_row(html: str, field: str) -> str:
    start = html.index(f"field-{field}")
    return html[start : html.find('class="form-row', start)]


@pytest.mark.parametrize(("model", "field", "kind"), RAW_ID_FIELDS)
def test_another_workspaces_id_in_a_raw_id_field_answers_like_a_missing_one(
    client_for, ops_admin_a, tenant_a, bravo, model, field, kind
):
    client = client_for(ops_admin_a)
    foreign_id = bravo[kind].pk
    missing_id = foreign_id + 1_000_000

    def add_form_with(value) -> str:
        response = client.post(f"/admin/{model}/add/", {"tenant": tenant_a.pk, field: value})
        assert response.status_code == 200  # the form again, with its errors
        return response.content.decode()

    foreign, missing = add_form_with(foreign_id), add_form_with(missing_id)
    assert "Bravo" not in foreign
    assert "member_b" not in foreign
    assert "Select a valid choice. That choice is not one of the available choices." in field_row(foreign, field)
    assert field_row(foreign, field).replace(f'value="{foreign_id}"', 'value="ID"') == field_row(
        missing, field
    ).replace(f'value="{missing_id}"', 'value="ID"')


def test_an_own_id_in_a_raw_id_field_shows_its_name(client_for, ops_admin_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Alpha Target")
    response = client_for(ops_admin_a).post(
        "/admin/accounts/contact/add/", {"tenant": tenant_a.pk, "account": account.pk}
    )
    row = field_row(response.content.decode(), "account")
    assert "Alpha Target" in row
    assert f"/admin/accounts/account/{account.pk}/change/" in row


def test_a_superuser_sees_every_workspaces_names(client_for, root, tenant_b, bravo):
    response = client_for(root).post(
        "/admin/accounts/contact/add/", {"tenant": tenant_b.pk, "account": bravo["account"].pk}
    )
    assert "Bravo Target" in field_row(response.content.decode(), "account")


def test_another_workspaces_history_version_is_404(client_for, ops_admin_a, bravo):
    account = bravo["account"]
    with as_tenant(account.tenant):
        version = Account.history.get(id=account.pk)
    response = client_for(ops_admin_a).get(f"/admin/accounts/account/{account.pk}/history/{version.history_id}/")
    assert response.status_code == 404
    assert "Bravo" not in response.content.decode()


class TestAdminOfTwoWorkspaces:
    """Works in one workspace at a time: the first by name, then the one chosen in the header."""

    @pytest.fixture
    def ops_admin_ab(self, ops_admin_a, tenant_b):
        MembershipFactory(tenant=tenant_b, user=ops_admin_a, role=Role.ADMIN)
        return ops_admin_a

    def names_listed(self, client):
        html = client.get("/admin/accounts/account/").content.decode()
        return [name for name in ("Alpha Target", "Bravo Target") if name in html]

    def test_switching_workspace(self, client_for, ops_admin_ab, tenant_a, tenant_b):
        AccountFactory(tenant=tenant_a, name="Alpha Target")
        AccountFactory(tenant=tenant_b, name="Bravo Target")
        client = client_for(ops_admin_ab)
        assert self.names_listed(client) == ["Alpha Target"]
        header = client.get("/admin/").content.decode()
        assert '<option value="alpha" selected>Alpha Corp</option><option value="bravo">Bravo Inc</option>' in header
        response = client.post("/admin/workspace/", {"workspace": "bravo"})
        assert (response.status_code, response["Location"]) == (302, "/admin/")
        assert self.names_listed(client) == ["Bravo Target"]

    def test_a_workspace_one_does_not_administer_is_404(self, client_for, ops_admin_a, tenant_b):
        client = client_for(ops_admin_a)
        assert client.post("/admin/workspace/", {"workspace": "bravo"}).status_code == 404
        assert "Bravo" not in client.get("/admin/").content.decode()
