import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def names(tenant):
    with as_tenant(tenant):
        return sorted(Account.objects.values_list("name", flat=True))


class TestCreateAndValidate:
    def test_create_normalizes_the_domain(self, api_a, tenant_a, owner_a):
        response = api_a.post(
            "/api/v1/accounts/",
            {
                "name": "Acme",
                "domain": "https://www.Acme.com/",
                "industry": "Software",
                "employee_count": 1200,
                "annual_revenue": "25000000.00",
                "country": "DE",
                "status": "customer",
                "owner": owner_a.pk,
            },
            format="json",
        )
        assert response.status_code == 201
        body = response.json()
        assert {key: body[key] for key in ("name", "domain", "country", "status", "owner", "owner_name")} == {
            "name": "Acme",
            "domain": "acme.com",
            "country": "DE",
            "status": "customer",
            "owner": owner_a.pk,
            "owner_name": owner_a.get_full_name(),
        }
        assert body["annual_revenue"] == "25000000.00"
        assert body["is_target"] is True

    def test_duplicate_domain_in_the_same_workspace_is_refused(self, api_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        response = api_a.post("/api/v1/accounts/", {"name": "Acme again", "domain": "www.ACME.com"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"domain": ["An account with this domain already exists in this workspace."]}
        assert names(tenant_a) == ["Acme"]

    def test_errors_come_back_field_by_field_and_nothing_is_written(self, api_a, tenant_a):
        response = api_a.post(
            "/api/v1/accounts/",
            {"name": "", "domain": "not a domain", "employee_count": -5, "status": "bogus", "country": "XX"},
            format="json",
        )
        assert response.status_code == 400
        assert response.json() == {
            "name": ["This field may not be blank."],
            "domain": ["Enter a domain name such as acme.com."],
            "employee_count": ["Ensure this value is greater than or equal to 0."],
            "status": ['"bogus" is not a valid choice.'],
            "country": ['"XX" is not a valid choice.'],
        }
        assert names(tenant_a) == []

    def test_htmx_create_error_re_renders_the_form_with_the_field_error(self, client_for, member_a, tenant_a):
        response = client_for(member_a).post(
            "/t/alpha/api/accounts/", {"name": "Acme", "domain": "not a domain"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 400
        assert response["Content-Type"] == "text/html; charset=utf-8"
        html = response.content.decode()
        assert '<p class="error">Enter a domain name such as acme.com.</p>' in html
        assert 'value="Acme"' in html
        assert 'hx-post="/t/alpha/api/accounts/"' in html
        assert names(tenant_a) == []

    def test_htmx_create_success_returns_a_message_and_refreshes_the_list(self, client_for, member_a, tenant_a):
        response = client_for(member_a).post(
            "/t/alpha/api/accounts/",
            {"name": "Acme", "domain": "acme.com", "status": "prospect"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 201
        assert response["HX-Trigger"] == "objectsChanged"
        assert "Account “Acme” created." in response.content.decode()
        assert names(tenant_a) == ["Acme"]

    def test_parent_cycles_are_refused(self, api_a, tenant_a):
        parent = AccountFactory(tenant=tenant_a, name="Parent")
        child = AccountFactory(tenant=tenant_a, name="Child", parent=parent)
        response = api_a.patch(f"/api/v1/accounts/{parent.pk}/", {"parent": child.pk}, format="json")
        assert response.status_code == 400
        assert response.json() == {"parent": ["An account cannot be its own parent or ancestor."]}
        self_parent = api_a.patch(f"/api/v1/accounts/{parent.pk}/", {"parent": parent.pk}, format="json")
        assert self_parent.json() == {"parent": ["An account cannot be its own parent or ancestor."]}


class TestUpdateAndDelete:
    def test_update_records_history_with_the_user(self, client_for, member_a, tenant_a):
        account = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        client = client_for(member_a)
        response = client.patch(
            f"/t/alpha/api/accounts/{account.pk}/", {"name": "Acme Group"}, content_type="application/json"
        )
        assert response.status_code == 200
        with as_tenant(tenant_a):
            latest = Account.objects.get(pk=account.pk).history.first()
            changes = latest.diff_against(latest.prev_record).changes
        assert [(c.field, c.old, c.new) for c in changes if c.field == "name"] == [("name", "Acme", "Acme Group")]
        assert latest.history_user == member_a

    def test_htmx_edit_form_and_update_return_fragments(self, client_for, member_a, tenant_a):
        account = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        client = client_for(member_a)
        form = client.get(f"/t/alpha/api/accounts/{account.pk}/edit/", HTTP_HX_REQUEST="true").content.decode()
        assert f'hx-put="/t/alpha/api/accounts/{account.pk}/"' in form
        bad = client.put(
            f"/t/alpha/api/accounts/{account.pk}/",
            "name=Acme&domain=bad%20domain&status=prospect",
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
        )
        assert bad.status_code == 400
        assert f'id="account-row-{account.pk}" class="editing"' in bad.content.decode()
        good = client.put(
            f"/t/alpha/api/accounts/{account.pk}/",
            "name=Acme+Group&domain=acme.com&status=customer",
            content_type="application/x-www-form-urlencoded",
            HTTP_HX_REQUEST="true",
        )
        assert good.status_code == 200
        row = good.content.decode()
        assert f'<tr id="account-row-{account.pk}">' in row
        assert "Acme Group" in row
        with as_tenant(tenant_a):
            saved = Account.objects.get(pk=account.pk)
        assert (saved.name, saved.status, saved.is_target) == ("Acme Group", "customer", False)

    def test_delete(self, api_a, client_for, member_a, tenant_a):
        first = AccountFactory(tenant=tenant_a, name="First")
        second = AccountFactory(tenant=tenant_a, name="Second")
        assert api_a.delete(f"/api/v1/accounts/{first.pk}/").status_code == 204
        htmx = client_for(member_a).delete(f"/t/alpha/api/accounts/{second.pk}/", HTTP_HX_REQUEST="true")
        assert (htmx.status_code, htmx.content) == (200, b"")
        assert names(tenant_a) == []


class TestListing:
    @pytest.fixture
    def accounts(self, tenant_a, owner_a):
        AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com", industry="Software", status="customer")
        AccountFactory(tenant=tenant_a, name="Borealis", domain="borealis.io", industry="Energy", owner=owner_a)
        AccountFactory(tenant=tenant_a, name="Cobalt", domain="cobalt.net", industry="Software", is_target=False)

    def listed(self, api, query=""):
        return [row["name"] for row in api.get(f"/api/v1/accounts/{query}").json()["results"]]

    def test_filters_search_and_sort(self, api_a, accounts, owner_a):
        assert self.listed(api_a, "?ordering=name") == ["Acme", "Borealis", "Cobalt"]
        assert self.listed(api_a, "?ordering=-name") == ["Cobalt", "Borealis", "Acme"]
        assert self.listed(api_a, "?industry=Software&ordering=name") == ["Acme", "Cobalt"]
        assert self.listed(api_a, "?status=customer") == ["Acme"]
        assert self.listed(api_a, f"?owner={owner_a.pk}") == ["Borealis"]
        assert self.listed(api_a, "?is_target=false") == ["Cobalt"]
        assert self.listed(api_a, "?search=borea") == ["Borealis"]
        assert self.listed(api_a, "?search=cobalt.net") == ["Cobalt"]

    def test_bad_filter_values_are_400_naming_the_field(self, api_a, accounts):
        response = api_a.get("/api/v1/accounts/?status=bogus")
        assert response.status_code == 400
        assert response.json() == {"status": ["Select a valid choice. bogus is not one of the available choices."]}

    def test_cursor_pagination_walks_every_row_once(self, api_a, tenant_a):
        for index in range(7):
            AccountFactory(tenant=tenant_a, name=f"Company {index}")
        seen, url = [], "/api/v1/accounts/?page_size=3&ordering=name"
        while url:
            page = api_a.get(url).json()
            seen += [row["name"] for row in page["results"]]
            url = page["next"]
        assert seen == [f"Company {index}" for index in range(7)]

    def test_empty_state_says_what_to_do_first(self, client_for, member_a, viewer_a):
        html = client_for(member_a).get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
        assert "No accounts yet." in html and "Import a CSV file or add your first target account" in html
        assert "No accounts match." not in html
        html = client_for(viewer_a).get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
        assert "Once a member imports or adds accounts, they show up here." in html

    def test_empty_state_under_a_filter_says_no_match(self, client_for, member_a, tenant_a):
        AccountFactory(tenant=tenant_a, name="Acme")
        client = client_for(member_a)
        for query in ("search=zzz", "status=&tier=&search=&is_target=false"):
            html = client.get(f"/t/alpha/api/accounts/?{query}", HTTP_HX_REQUEST="true").content.decode()
            assert "No accounts match." in html and "Clear the search or filters" in html, query

    def test_responses_vary_on_hx_request(self, api_a):
        assert "HX-Request" in api_a.get("/api/v1/accounts/")["Vary"]


class TestQueryBudget:
    """The same number of queries for 10 and 100 rows: no N+1 anywhere on the list paths.

    Budgets include the 4 queries that the request's transaction costs inside a
    test transaction: savepoint, tenant setting, its restore, release.
    """

    def count_queries(self, client, url, **headers):
        client.get(url, **headers)  # warm up: an API key records its first use once a minute
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, **headers)
        assert response.status_code == 200
        return len(queries)

    def make_accounts(self, tenant, owner, count):
        for _ in range(count):
            AccountFactory(tenant=tenant, owner=owner)

    def test_api_list(self, api_a, tenant_a, owner_a):
        url = "/api/v1/accounts/?page_size=200"
        self.make_accounts(tenant_a, owner_a, 10)
        ten = self.count_queries(api_a, url)
        self.make_accounts(tenant_a, owner_a, 90)
        hundred = self.count_queries(api_a, url)
        assert len(api_a.get(url).json()["results"]) == 100
        # one list query (+4 for the transaction; the key comes from the cache after the warm-up)
        assert ten == hundred == 5

    @pytest.mark.parametrize(
        ("url", "headers", "budget"),
        [
            # one list query (session, user and membership come from the cache after the warm-up)
            ("/t/alpha/api/accounts/?page_size=200", {"HTTP_HX_REQUEST": "true"}, 5),
            # members, tiers, whether any account exists (the getting-started card); industries and the workspace
            # switcher are cached after the warm-up
            ("/t/alpha/accounts/", {}, 7),
            # the programme scorecard: the transaction, the filters' tiers, teams and members, the home's team
            # roles; coverage 4, funnel 4, pipeline by cohort 6, lifecycle 4, rollout 1, play effectiveness 1, the
            # three distributions 3, snapshots and settings; the programme totals are cached after the warm-up
            ("/t/alpha/dashboard/?view=leader", {}, 38),
        ],
    )
    def test_dashboard(self, client_for, member_a, tenant_a, owner_a, url, headers, budget):
        client = client_for(member_a)
        self.make_accounts(tenant_a, owner_a, 10)
        ten = self.count_queries(client, url, **headers)
        self.make_accounts(tenant_a, owner_a, 90)
        hundred = self.count_queries(client, url, **headers)
        assert ten == hundred == budget


def test_list_and_detail_answer_the_documented_json(api_a, tenant_a, owner_a):
    owner_a.first_name, owner_a.last_name = "Ada", "Lovelace"
    owner_a.save()
    AccountFactory(tenant=tenant_a, name="Plain", owner=None, annual_revenue=None, employee_count=None)
    rich = AccountFactory(
        tenant=tenant_a, name="Rich", domain="rich.example", owner=owner_a, annual_revenue="1234.5", country="FR"
    )
    expected = {
        "id": rich.pk,
        "name": "Rich",
        "domain": "rich.example",
        "website": "",
        "industry": "Software",
        "employee_count": 250,
        "annual_revenue": "1234.50",
        "country": "FR",
        "status": "prospect",
        "customer_since": None,
        "churned_on": None,
        "owner": owner_a.pk,
        "owner_name": "Ada Lovelace",
        "is_target": True,
        "parent": None,
        "fit_score": None,
        "tier": None,
        "tier_name": "",
        "coverage_percent": None,
        "coverage_gaps": 0,
        "team_names": "",
        "created_at": rich.created_at.isoformat().replace("+00:00", "Z"),
        "updated_at": rich.updated_at.isoformat().replace("+00:00", "Z"),
        "missing_personas": [],
    }
    assert api_a.get(f"/api/v1/accounts/{rich.pk}/").json() == expected
    listed = {row["name"]: row for row in api_a.get("/api/v1/accounts/").json()["results"]}
    assert listed["Rich"] == expected
    assert (listed["Plain"]["owner"], listed["Plain"]["owner_name"], listed["Plain"]["annual_revenue"]) == (
        None,
        "",
        None,
    )


class TestDomainsInHierarchies:
    """A child may share its parent's domain; unrelated accounts with one normalized domain are duplicates."""

    def test_child_shares_parent_domain_but_strangers_do_not(self, api_a, tenant_a):
        parent = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        child = api_a.post(
            "/api/v1/accounts/",
            {"name": "Acme EMEA", "domain": "https://www.Acme.com/", "parent": parent.pk},
            format="json",
        )
        assert child.status_code == 201
        assert child.json()["domain"] == "acme.com"
        grandchild = api_a.post(
            "/api/v1/accounts/",
            {"name": "Acme EMEA Buying Centre", "domain": "www.acme.com", "parent": child.json()["id"]},
            format="json",
        )
        assert grandchild.status_code == 201
        for domain in ("acme.com", "https://www.Acme.com/", "www.acme.com"):
            stranger = api_a.post("/api/v1/accounts/", {"name": "Impostor", "domain": domain}, format="json")
            assert stranger.status_code == 400
            assert stranger.json() == {"domain": ["An account with this domain already exists in this workspace."]}
        assert names(tenant_a) == ["Acme", "Acme EMEA", "Acme EMEA Buying Centre"]

    def test_detaching_a_child_that_shares_the_domain_is_refused(self, api_a, tenant_a):
        parent = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
        child = AccountFactory(tenant=tenant_a, name="Acme EMEA", domain="acme.com", parent=parent)
        response = api_a.patch(f"/api/v1/accounts/{child.pk}/", {"parent": None}, format="json")
        assert response.status_code == 400
        assert response.json() == {"domain": ["An account with this domain already exists in this workspace."]}
