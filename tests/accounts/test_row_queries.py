"""The account and contact lists read their common shapes by hand-written SQL (tenancy.rows.RowQuery):
every page, cursor link and row must equal what the ORM path answers for the same request."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from abs_platform.tenancy import rows
from abs_platform.tenancy.viewsets import TenantModelViewSet
from accounts.models import Account, Contact
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def row_reads(monkeypatch):
    """Counts the pages RowQuery reads."""
    reads = []
    page = rows.RowQuery.__getitem__

    def counted(self, key):
        reads.append(key)
        return page(self, key)

    monkeypatch.setattr(rows.RowQuery, "__getitem__", counted)
    return reads


def walk(client, url):
    """Every page from ``url`` following ``next`` links, then back from the last one following ``previous``."""
    pages = []
    while url:
        assert len(pages) < 40, "the links loop"
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append(response.json())
        url = pages[-1]["next"]
    url = pages[-1]["previous"]
    while url:
        assert len(pages) < 80, "the links loop"
        pages.append(client.get(url).json())
        url = pages[-1]["previous"]
    return pages


def both_paths(client, url, monkeypatch):
    by_hand = walk(client, url)
    with monkeypatch.context() as patch:
        patch.setattr(TenantModelViewSet, "rows_by_hand", lambda self: False)
        by_orm = walk(client, url)
    return by_hand, by_orm


@pytest.fixture
def accounts(tenant_a, owner_a, member_a):
    """Thirty accounts covering every filtered and sorted column, with ties in name, creation time and fit."""
    tiers = [TierFactory(tenant=tenant_a, rank=1), TierFactory(tenant=tenant_a, rank=2), None]
    owners = [owner_a, member_a, None]
    created = timezone.now() - timedelta(days=30)
    made = []
    for i in range(30):
        account = AccountFactory(
            tenant=tenant_a,
            name=f"Company {i % 7}",
            industry=["Software", "Healthcare", ""][i % 3],
            country=["DE", "US"][i % 2],
            status=["prospect", "customer", "churned"][i % 3],
            owner=owners[i % 3],
            tier=tiers[(i // 3) % 3],
            fit_score=[None, 10, 50, 50, 90][i % 5],
            employee_count=[None, 50, 500, 5000][i % 4],
            annual_revenue=[None, Decimal("1250000.50"), Decimal("99.00")][i % 3],
            is_target=i % 4 != 0,
        )
        made.append(account)
    with as_tenant(tenant_a):
        for i, account in enumerate(made):  # three accounts per creation time
            Account.objects.filter(pk=account.pk).update(created_at=created + timedelta(minutes=i // 3))
    return {"tiers": tiers, "owners": owners}


ACCOUNT_QUERIES = [
    "",
    "ordering=name",
    "ordering=-name",
    "ordering=created_at",
    "ordering=updated_at",
    "ordering=-updated_at",
    "ordering=fit_sort",
    "ordering=-fit_sort",
    "industry=Software",
    "industry=Software&ordering=-fit_sort",
    "status=customer&ordering=name",
    "no_tier=true",
    "no_tier=false&ordering=-fit_sort",
    "fit_min=50",
    "fit_min=50.5",
    "fit_max=50&ordering=fit_sort",
    "is_target=false",
    "employees_min=500",
    "employees_max=500&country=DE",
    "country=US&ordering=-name",
]


@pytest.mark.parametrize("query", ACCOUNT_QUERIES)
def test_account_list_pages_by_hand_equal_the_orm(api_a, accounts, monkeypatch, row_reads, query):
    by_hand, by_orm = both_paths(api_a, f"/api/v1/accounts/?page_size=4&{query}", monkeypatch)
    assert row_reads, "the hand-written path answered"
    assert by_hand == by_orm
    assert sum(len(page["results"]) for page in by_hand) > 0


def test_account_list_filters_by_ids_by_hand(api_a, accounts, monkeypatch, row_reads):
    tier, owner = accounts["tiers"][0], accounts["owners"][1]
    by_hand, by_orm = both_paths(api_a, f"/api/v1/accounts/?page_size=3&tier={tier.pk}&owner={owner.pk}", monkeypatch)
    assert row_reads
    assert by_hand == by_orm
    assert {(row["tier"], row["owner"]) for page in by_hand for row in page["results"]} == {(tier.pk, owner.pk)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("employees_max=7667707130247253065728", "all"),  # above the column's range: no restriction
        ("employees_min=-7667707130247253065728", "all"),
        ("employees_min=7667707130247253065728", "none"),
        ("employees_max=-1", "none"),  # below a positive column's range
    ],
)
def test_values_beyond_an_integer_columns_range_answer_as_the_orm(
    api_a, tenant_a, accounts, monkeypatch, row_reads, query, expected
):
    """The database could not take them (psycopg refused 10**22 for an integer column: a server error)."""
    by_hand, by_orm = both_paths(api_a, f"/api/v1/accounts/?page_size=10&{query}", monkeypatch)
    assert row_reads
    assert by_hand == by_orm
    found = {row["id"] for page in by_hand for row in page["results"]}
    with as_tenant(tenant_a):
        assert len(found) == (Account.objects.count() if expected == "all" else 0)


def test_an_id_beyond_the_range_matches_nothing(api_a, accounts, row_reads):
    response = api_a.get("/api/v1/accounts/?tier=99999999999999999999&owner=99999999999999999999")
    assert (response.status_code, response.json()["results"]) == (200, [])
    assert row_reads


@pytest.mark.parametrize("query", ["search=Company", "has_gaps=true", "coverage_min=50"])
def test_search_and_coverage_filters_take_the_orm_path(api_a, accounts, row_reads, query):
    response = api_a.get(f"/api/v1/accounts/?{query}")
    assert response.status_code == 200
    assert row_reads == []


@pytest.fixture
def contacts(tenant_a, owner_a, member_a):
    personas = [PersonaFactory(tenant=tenant_a), None]
    accounts = [
        AccountFactory(tenant=tenant_a, name="Beta", owner=owner_a),
        AccountFactory(tenant=tenant_a, name="Alpha", owner=member_a),
    ]
    for i in range(24):
        ContactFactory(
            tenant=tenant_a,
            account=accounts[i % 2],
            last_name=["Smith", "Jones", "Brown"][i % 3],
            persona=personas[i % 2],
            buying_role=["champion", "blocker", ""][i % 3],
            status=["active", "left_company"][i % 2],
            seniority=["vp", "manager", ""][i % 3],
            last_verified_on=[None, date(2026, 1, 5), date(2025, 3, 1)][i % 3],
        )
    return {"accounts": accounts, "personas": personas}


CONTACT_QUERIES = [
    "",
    "ordering=-last_name",
    "ordering=account_sort",
    "ordering=-account_sort",
    "ordering=verified_sort",
    "ordering=-verified_sort",
    "ordering=created_at",
    "no_persona=true",
    "no_persona=false&ordering=verified_sort",
    "buying_role=champion",
    "status=left_company&ordering=-account_sort",
    "seniority=vp",
]


@pytest.mark.parametrize("query", CONTACT_QUERIES)
def test_contact_list_pages_by_hand_equal_the_orm(api_a, contacts, monkeypatch, row_reads, query):
    by_hand, by_orm = both_paths(api_a, f"/api/v1/contacts/?page_size=5&{query}", monkeypatch)
    assert row_reads
    assert by_hand == by_orm
    assert sum(len(page["results"]) for page in by_hand) > 0


def test_contact_list_filters_by_account_owner_and_persona_by_hand(api_a, contacts, monkeypatch, row_reads, owner_a):
    account, persona = contacts["accounts"][0], contacts["personas"][0]
    for query in (f"account={account.pk}", f"account_owner={owner_a.pk}", f"persona={persona.pk}"):
        by_hand, by_orm = both_paths(api_a, f"/api/v1/contacts/?page_size=4&{query}", monkeypatch)
        assert by_hand == by_orm
    assert row_reads
    with as_tenant(account.tenant):
        expected = Contact.objects.filter(account__owner=owner_a).count()
    assert sum(len(page["results"]) for page in walk(api_a, f"/api/v1/contacts/?account_owner={owner_a.pk}")) == 12
    assert expected == 12


def test_row_query_refuses_what_it_cannot_answer(tenant_a):
    from accounts.selectors import account_row_query

    with as_tenant(tenant_a):
        with pytest.raises(TypeError, match="cannot filter or sort by 'fit_explanation__contains'"):
            account_row_query().filter(fit_explanation__contains="x")
        with pytest.raises(TypeError, match="slices"):
            account_row_query()[3]
