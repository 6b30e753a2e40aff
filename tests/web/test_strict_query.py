"""List query parameters are strict: what a list cannot read answers 400 naming it, instead of being ignored;
every page carries the total count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.web.pagination import TenantCursorPagination
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

BOOLEAN_ERROR = "“{}” is not a boolean: use true or false (also yes/no, 1/0)."
ACCOUNT_PARAMS = (
    "country, coverage_max, coverage_min, cursor, employees_max, employees_min, fit_max, fit_min, format, has_gaps, "
    "industry, is_target, missing_persona, no_tier, ordering, owner, page_size, search, status, tier"
)


@pytest.fixture
def accounts(tenant_a):
    return {
        "target": AccountFactory(tenant=tenant_a, name="Target", is_target=True),
        "other": AccountFactory(tenant=tenant_a, name="Other", is_target=False),
    }


def names(response):
    assert response.status_code == 200, response.json()
    return sorted(row["name"] for row in response.json()["results"])


class TestBooleanFilters:
    @pytest.mark.parametrize(("value", "expected"), [("no", ["Other"]), ("YES", ["Target"]), ("0", ["Other"])])
    def test_the_importers_spellings_are_read(self, api_a, accounts, value, expected):
        assert names(api_a.get(f"/api/v1/accounts/?is_target={value}")) == expected

    def test_an_empty_value_filters_nothing(self, api_a, accounts):
        assert names(api_a.get("/api/v1/accounts/?is_target=")) == ["Other", "Target"]

    @pytest.mark.parametrize(
        ("url", "param"),
        [
            ("/api/v1/accounts/?is_target=maybe", "is_target"),
            ("/api/v1/accounts/?has_gaps=maybe", "has_gaps"),
            ("/api/v1/opportunities/?is_open=maybe", "is_open"),
            ("/api/v1/contacts/?stale=maybe", "stale"),
        ],
    )
    def test_anything_else_is_a_400_naming_the_parameter(self, api_a, accounts, url, param):
        response = api_a.get(url)
        assert response.status_code == 400
        assert response.json() == {param: [BOOLEAN_ERROR.format("maybe")]}

    def test_stale_yes_reads_as_true(self, api_a, tenant_a, accounts):
        ContactFactory(tenant=tenant_a, account=accounts["target"], first_name="Never", last_verified_on=None)
        rows = api_a.get("/api/v1/contacts/?stale=yes").json()["results"]
        assert [row["first_name"] for row in rows] == ["Never"]

    def test_open_deals_with_yes(self, api_a, tenant_a, accounts):
        OpportunityFactory(tenant=tenant_a, account=accounts["target"], name="Open deal", stage="prospecting")
        OpportunityFactory(
            tenant=tenant_a, account=accounts["target"], name="Lost deal", stage="closed_lost", lost_reason="Price"
        )
        assert names(api_a.get("/api/v1/opportunities/?is_open=no")) == ["Lost deal"]


class TestUnknownParameters:
    def test_an_unknown_filter_is_a_400_listing_the_accepted_ones(self, api_a, accounts):
        response = api_a.get("/api/v1/accounts/?freshness=current&is_target=true&colour=red")
        assert response.status_code == 400
        message = f"Unknown query parameter. Use one of: {ACCOUNT_PARAMS}."
        assert response.json() == {"freshness": [message], "colour": [message]}

    def test_filters_search_ordering_pagination_and_format_are_accepted(self, api_a, accounts):
        response = api_a.get("/api/v1/accounts/?is_target=true&search=targ&ordering=-name&page_size=5&format=json")
        assert names(response) == ["Target"]

    def test_a_list_without_search_refuses_search(self, api_a, tenant_a):
        response = api_a.get("/api/v1/saved-views/?search=x")
        assert response.status_code == 400
        assert response.json() == {"search": ["Unknown query parameter. Use one of: cursor, format, list, page_size."]}

    def test_an_unknown_ordering_is_a_400(self, api_a, accounts):
        response = api_a.get("/api/v1/accounts/?ordering=-tier,name")
        assert response.status_code == 400
        assert response.json() == {
            "ordering": [
                "Cannot sort by -tier. Sort by name, created_at, updated_at, fit_sort; prefix - for descending."
            ]
        }

    @pytest.mark.parametrize("size", ["0", "-1", "ten", "2.5"])
    def test_a_page_size_that_is_not_a_positive_number_is_a_400(self, api_a, accounts, size):
        response = api_a.get(f"/api/v1/accounts/?page_size={size}")
        assert response.status_code == 400
        assert response.json() == {"page_size": ["Enter a whole number from 1 to 200."]}

    def test_a_large_page_size_is_capped(self, api_a, accounts):
        assert names(api_a.get("/api/v1/accounts/?page_size=5000")) == ["Other", "Target"]

    def test_an_unreadable_cursor_is_a_400(self, api_a, accounts):
        response = api_a.get("/api/v1/accounts/?cursor=not-a-cursor")
        assert response.status_code == 400
        assert response.json() == {"cursor": ["Invalid cursor: use the next and previous links as given."]}

    def test_the_export_refuses_unknown_parameters_as_the_list_does(self, api_a, accounts):
        response = api_a.get("/api/v1/accounts/export/?freshness=current")
        assert response.status_code == 400
        assert list(response.json()) == ["freshness"]


class TestCount:
    def test_every_page_carries_the_total_of_the_filtered_list(self, api_a, tenant_a):
        for number in range(5):
            AccountFactory(tenant=tenant_a, name=f"Target {number}", is_target=True)
        AccountFactory(tenant=tenant_a, name="Not a target", is_target=False)
        pages, url = [], "/api/v1/accounts/?is_target=true&page_size=2"
        while url:
            page = api_a.get(url).json()
            pages.append((page["count"], page["count_exact"], len(page["results"])))
            url = page["next"]
        assert pages == [(5, True, 2), (5, True, 2), (5, True, 1)]

    def test_an_empty_list_counts_zero(self, api_a, tenant_a):
        assert api_a.get("/api/v1/accounts/").json() == {
            "count": 0,
            "count_exact": True,
            "next": None,
            "previous": None,
            "results": [],
        }


def test_the_schema_documents_the_count_and_the_400s(api_a, client):
    schema = client.get("/api/schema/?format=json").json()
    listing = schema["paths"]["/api/v1/accounts/"]["get"]["responses"]
    page = schema["components"]["schemas"][
        listing["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    ]
    assert page["required"] == ["count", "count_exact", "results"]
    assert page["properties"]["count"]["type"] == "integer"
    assert "400" in listing
    assert "400" in schema["paths"]["/api/v1/accounts/"]["post"]["responses"]
    assert "400" not in schema["paths"]["/api/v1/accounts/{id}/"]["get"]["responses"]


def test_the_count_costs_a_query_only_when_the_list_is_longer_than_its_first_page(api_a, tenant_a):
    for number in range(3):
        AccountFactory(tenant=tenant_a, name=f"Account {number}")
    api_a.get("/api/v1/accounts/")  # warm up: the key's last use is recorded once a minute

    def count_queries(url):
        with CaptureQueriesContext(connection) as queries:
            body = api_a.get(url).json()
        return body["count"], sum(query["sql"].startswith("SELECT COUNT(*)") for query in queries.captured_queries)

    assert count_queries("/api/v1/accounts/?page_size=3") == (3, 0)
    assert count_queries("/api/v1/accounts/?page_size=2") == (3, 1)


def test_beyond_the_exact_limit_the_count_is_flagged_as_an_estimate(api_a, tenant_a, monkeypatch):
    monkeypatch.setattr(TenantCursorPagination, "exact_count_limit", 3)
    for name in ("Ant", "Bee", "Cat", "Dog", "Eel"):
        AccountFactory(tenant=tenant_a, name=name, domain=f"{name.lower()}.com", industry="Software")
    estimated = api_a.get("/api/v1/accounts/?page_size=2&ordering=name").json()
    assert (estimated["count_exact"], [row["name"] for row in estimated["results"]]) == (False, ["Ant", "Bee"])
    assert estimated["count"] >= 4  # the planner's estimate, never below what was counted
    exact = api_a.get("/api/v1/accounts/?page_size=1&industry=Software&search=e").json()
    assert (exact["count"], exact["count_exact"]) == (2, True)  # Bee, Eel


@pytest.mark.parametrize("path", ["/api/v1/accounts/", "/api/v1/play-templates/", "/api/v1/teams/"])
def test_a_nul_character_in_search_is_a_400_naming_search(api_a, path):
    response = api_a.get(f"{path}?search=dd%008")
    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}
