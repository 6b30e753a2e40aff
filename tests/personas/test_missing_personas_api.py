"""The account API lists the personas each account misses (``missing_personas``, contributed by personas): exact
lists, one query per page and none when no account of the page has a gap, isolation between workspaces."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.tenancy.context import workspace_today
from accounts import services as account_services
from personas import services as persona_services
from tests.conftest import as_tenant
from tests.factories import PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/"


def tiered_account(tier, name, *contacts):
    """An account of ``tier`` with contacts given as (title, days since verified), through the services."""
    account = account_services.account_create(name=name, domain=f"{name.lower()}.com")
    account_services.account_override_tier(account=account, tier=tier, reason="Test")
    for number, (title, age) in enumerate(contacts):
        account_services.contact_create(
            account=account,
            first_name=f"{name}{number}",
            title=title,
            last_verified_on=workspace_today() - timedelta(days=age),
        )
    return account


@pytest.fixture
def world(tenant_a, owner_a):
    """Tier 1 requires a CFO and two CTOs. Acme has none current (its CTO was verified over a year ago), Globex
    has all three, Initech has no tier: nothing required."""
    tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    cfo = PersonaFactory(tenant=tenant_a, name="CFO", title_keywords=["CFO"])
    cto = PersonaFactory(tenant=tenant_a, name="CTO", title_keywords=["CTO"])
    with as_tenant(tenant_a, owner_a):
        persona_services.committee_requirement_create(tier=tier, persona=cto, min_contacts=2)
        persona_services.committee_requirement_create(tier=tier, persona=cfo)
        acme = tiered_account(tier, "Acme", ("CTO", 400))
        globex = tiered_account(tier, "Globex", ("CFO", 1), ("CTO", 2), ("CTO", 30))
        initech = account_services.account_create(name="Initech", domain="initech.com")
    return {"tier": tier, "cfo": cfo, "cto": cto, "acme": acme, "globex": globex, "initech": initech}


def missing(api, query=""):
    return {row["name"]: row["missing_personas"] for row in api.get(f"{URL}{query}").json()["results"]}


def test_list_and_detail_name_each_missing_persona_with_how_many_more_it_needs(api_a, world):
    acme_missing = [
        {"id": world["cfo"].pk, "name": "CFO", "missing": 1},
        {"id": world["cto"].pk, "name": "CTO", "missing": 2},
    ]
    assert missing(api_a) == {"Acme": acme_missing, "Globex": [], "Initech": []}
    assert api_a.get(f"{URL}{world['acme'].pk}/").json()["missing_personas"] == acme_missing
    assert api_a.get(f"{URL}{world['globex'].pk}/").json()["missing_personas"] == []
    assert api_a.get(f"{URL}{world['initech'].pk}/").json()["missing_personas"] == []
    # A write answers the account as a read does.
    response = api_a.patch(f"{URL}{world['acme'].pk}/", {"industry": "Retail"}, format="json")
    assert response.json()["missing_personas"] == acme_missing


def test_a_new_contact_closes_its_gap_in_the_next_read(api_a, tenant_a, owner_a, world):
    with as_tenant(tenant_a, owner_a):
        account_services.contact_create(
            account=world["acme"], first_name="Carla", title="CFO", last_verified_on=workspace_today()
        )
    assert missing(api_a, "?has_gaps=true") == {"Acme": [{"id": world["cto"].pk, "name": "CTO", "missing": 2}]}


def test_another_workspace_sees_only_its_own_gaps(api_a, api_b, tenant_b, world):
    tier = TierFactory(tenant=tenant_b, rank=1, name="Tier 1")
    ceo = PersonaFactory(tenant=tenant_b, name="CEO", title_keywords=["CEO"])
    with as_tenant(tenant_b):
        persona_services.committee_requirement_create(tier=tier, persona=ceo)
        tiered_account(tier, "Bravo")
    assert missing(api_b) == {"Bravo": [{"id": ceo.pk, "name": "CEO", "missing": 1}]}
    assert missing(api_a)["Acme"] == [
        {"id": world["cfo"].pk, "name": "CFO", "missing": 1},
        {"id": world["cto"].pk, "name": "CTO", "missing": 2},
    ]
    assert api_b.get(f"{URL}{world['acme'].pk}/").status_code == 404


def count_queries(api, url) -> int:
    api.get(url)  # warm up: an API key records its first use once a minute
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_one_query_for_a_page_with_gaps_and_none_without(api_a, tenant_a, owner_a, world):
    url = f"{URL}?page_size=200"
    with_gaps = count_queries(api_a, url)
    without_gaps = count_queries(api_a, f"{url}&has_gaps=false")
    with as_tenant(tenant_a, owner_a):
        for number in range(20):
            tiered_account(world["tier"], f"More{number}")
    assert len(missing(api_a, "?page_size=200&has_gaps=true")) == 21
    # The transaction's 4, the page, and the page's missing personas.
    assert with_gaps == count_queries(api_a, url) == 6
    assert without_gaps == 5
    acme, globex = (f"{URL}{world[name].pk}/" for name in ("acme", "globex"))
    assert count_queries(api_a, acme) == count_queries(api_a, globex) + 1
