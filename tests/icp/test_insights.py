"""ICP insights: lift on a small hand-computed dataset, the API, the page and accepting suggestions."""

import pytest

from icp.insights import DealFacts, compute_insights, size_band, suggested_criterion
from icp.models import IdealCustomerProfile
from tests.conftest import as_tenant
from tests.factories import AccountFactory, CriterionFactory, IcpFactory, OpportunityFactory, TechnologyFactory

CRM, BI = (1, "CRM"), (2, "BI")
DEALS = [
    DealFacts(won=True, industry="Software", employee_count=40, country="US", technologies=(CRM,)),
    DealFacts(won=True, industry="Software", employee_count=40, country="US"),
    DealFacts(won=True, industry="Software", employee_count=300, country="DE", technologies=(CRM,)),
    DealFacts(won=False, industry="Software", employee_count=300, country="DE"),
    DealFacts(won=False, industry="Retail", employee_count=40, country="US", technologies=(CRM,)),
    DealFacts(won=False, industry="Retail", employee_count=300, country="US"),
    DealFacts(won=True, industry="Retail", employee_count=6000, country="DE", technologies=(BI,)),
    DealFacts(won=False, industry="Retail", employee_count=6000, country="DE", technologies=(BI,)),
    DealFacts(won=True, industry="Health", employee_count=300, country="US", technologies=(CRM, BI)),
    DealFacts(won=True, industry="Health"),
]


def by_attribute(result):
    return {row["attribute"]: row for row in result["attributes"]}


def table(rows):
    return [(row["value"], row["deals"], row["won"], row["win_rate"], row["lift"], row["enough_data"]) for row in rows]


def test_lift_by_hand():
    result = compute_insights(DEALS)
    assert (result["closed"], result["won"], result["baseline"]) == (10, 6, 0.6)
    attributes = by_attribute(result)
    # win rate ÷ 0.6: Health 1.0 → 1.67 (2 deals: too few), Software 0.75 → 1.25, Retail 0.25 → 0.42
    assert table(attributes["industry"]["rows"]) == [
        ("Health", 2, 2, 1.0, 1.67, False),
        ("Software", 4, 3, 0.75, 1.25, True),
        ("Retail", 4, 1, 0.25, 0.42, True),
    ]
    # Software only: 3 of 4 won, 15 points above the 60 % baseline
    assert attributes["industry"]["suggestion"] == {
        "values": ["Software"],
        "labels": ["Software"],
        "deals": 4,
        "win_rate": 0.75,
        "weight": 15,
    }
    assert table(attributes["size_band"]["rows"]) == [
        ("1-50", 3, 2, 0.6667, 1.11, True),
        ("201-1000", 4, 2, 0.5, 0.83, True),
        ("5000+", 2, 1, 0.5, 0.83, False),
    ]
    assert attributes["size_band"]["suggestion"]["weight"] == 7  # 66.7 % − 60 %
    assert table(attributes["country"]["rows"]) == [("US", 5, 3, 0.6, 1.0, True), ("DE", 4, 2, 0.5, 0.83, True)]
    assert attributes["country"]["suggestion"] is None  # lift 1.0 is average, not better
    assert table(attributes["technology"]["rows"]) == [
        ("CRM", 4, 3, 0.75, 1.25, True),
        ("BI", 3, 2, 0.6667, 1.11, True),
    ]
    # deals using CRM or BI: 6, of which 4 won
    assert attributes["technology"]["suggestion"] == {
        "values": [1, 2],
        "labels": ["CRM", "BI"],
        "deals": 6,
        "win_rate": 0.6667,
        "weight": 7,
    }


def test_size_bands_and_criteria():
    assert [size_band(n) for n in (None, 1, 50, 51, 200, 201, 1000, 1001, 5000, 5001)] == [
        "",
        "1-50",
        "1-50",
        "51-200",
        "51-200",
        "201-1000",
        "201-1000",
        "1001-5000",
        "1001-5000",
        "5000+",
    ]
    assert suggested_criterion("size_band", {"values": ["51-200", "201-1000"]}) == (
        "employees",
        {"min": 51, "max": 1000},
    )
    assert suggested_criterion("size_band", {"values": ["5000+"]}) == ("employees", {"min": 5001, "max": None})
    assert suggested_criterion("technology", {"values": [2, 1]}) == (
        "technology",
        {"mode": "any", "technology_ids": [1, 2]},
    )


def test_no_deals():
    result = compute_insights([])
    assert (result["closed"], result["baseline"]) == (0, None)
    assert all(row["suggestion"] is None and row["rows"] == [] for row in result["attributes"])


@pytest.fixture
def history_a(tenant_a):
    crm = TechnologyFactory(tenant=tenant_a, name="CRM")
    for index, (industry, won) in enumerate(
        [
            ("Software", True),
            ("Software", True),
            ("Software", False),
            ("Retail", False),
            ("Retail", False),
            ("Retail", True),
        ]
    ):
        account = AccountFactory(tenant=tenant_a, industry=industry, employee_count=100, country="US")
        if index < 3:
            with as_tenant(tenant_a):
                account.technology_links.create(technology=crm)
        OpportunityFactory(
            tenant=tenant_a,
            account=account,
            stage="closed_won" if won else "closed_lost",
            lost_reason="" if won else "Price",
        )
    OpportunityFactory(tenant=tenant_a, account=account, stage="proposal")  # open deals do not count
    return crm


@pytest.mark.django_db
def test_insights_api_and_page(api_a_read, client_for, viewer_a, history_a):
    data = api_a_read.get("/api/v1/icps/insights/").json()
    assert (data["closed"], data["won"], data["baseline"]) == (6, 3, 0.5)
    industry = by_attribute(data)["industry"]
    assert [(row["value"], row["win_rate"], row["lift"]) for row in industry["rows"]] == [
        ("Software", 0.6667, 1.33),
        ("Retail", 0.3333, 0.67),
    ]
    html = client_for(viewer_a).get("/t/alpha/icp/insights/").content.decode()
    assert "baseline win rate</strong> is 50 %" in html
    assert "Suggested criterion: <strong>Software</strong>, weight <strong>17</strong>" in html
    assert 'name="attributes"' not in html  # viewers read, admins accept


@pytest.mark.django_db
def test_admin_accepts_suggestions_into_a_new_version(client_for, admin_a, tenant_a, history_a):
    active = IcpFactory(tenant=tenant_a, version=1, is_active=True)
    CriterionFactory(tenant=tenant_a, icp=active, kind="industry", params={"values": ["Media"]}, weight=50)
    CriterionFactory(tenant=tenant_a, icp=active, kind="existing_customer", params={}, weight=5)
    client = client_for(admin_a)
    response = client.post(
        "/t/alpha/api/icps/insights/accept/", {"attributes": ["industry", "technology"]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 201
    assert response["HX-Redirect"] == "/t/alpha/icp/?version=2"
    with as_tenant(tenant_a):
        draft = IdealCustomerProfile.objects.get(version=2)
        assert list(draft.criteria.order_by("id").values_list("kind", "params", "weight")) == [
            ("existing_customer", {}, 5),
            ("industry", {"values": ["Software"]}, 17),
            ("technology", {"mode": "any", "technology_ids": [history_a.pk]}, 17),
        ]
        assert draft.is_active is False
    refused = client.post(
        "/t/alpha/api/icps/insights/accept/", {"attributes": ["country"]}, content_type="application/json"
    )
    assert refused.json() == {"attributes": ["No suggestion (too few deals) for: Country."]}


@pytest.mark.django_db
def test_members_cannot_accept_and_b_sees_nothing_of_a(client_for, member_a, member_b, history_a, tenant_b):
    assert (
        client_for(member_a).post("/t/alpha/api/icps/insights/accept/", {"attributes": ["industry"]}).status_code == 403
    )
    client = client_for(member_b)
    assert client.get("/t/alpha/icp/insights/").status_code == 404
    assert client.get("/t/bravo/api/icps/insights/").json()["closed"] == 0
