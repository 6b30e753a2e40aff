from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import selectors
from accounts.models import Account
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


def set_tier(account, tier):
    with as_tenant(account.tenant):
        Account.objects.filter(pk=account.pk).update(tier=tier)


@pytest.fixture
def committee(tenant_a):
    tier = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    cfo = PersonaFactory(tenant=tenant_a, name="Finance leader")
    it = PersonaFactory(tenant=tenant_a, name="IT leader")
    champion = PersonaFactory(tenant=tenant_a, name="Champion")
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=cfo, min_contacts=1)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=it, min_contacts=2)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier, persona=champion, min_contacts=1)
    return {"tier": tier, "cfo": cfo, "it": it, "champion": champion}


@pytest.fixture
def family(tenant_a, committee):
    """Holding → (Europe → Germany), (Americas); the page is about Europe."""
    today = timezone.localdate()
    holding = AccountFactory(tenant=tenant_a, name="Globex Holding", domain="globex.com")
    europe = AccountFactory(tenant=tenant_a, name="Globex Europe", domain="globex.com", parent=holding)
    germany = AccountFactory(tenant=tenant_a, name="Globex Germany", domain="globex.de", parent=europe)
    americas = AccountFactory(tenant=tenant_a, name="Globex Americas", domain="globex.us", parent=holding)
    for account in (holding, europe, germany, americas):
        set_tier(account, committee["tier"])
    ContactFactory(
        tenant=tenant_a,
        account=europe,
        first_name="Carla",
        last_name="Ruiz",
        persona=committee["cfo"],
        buying_role="economic_buyer",
        last_verified_on=today - timedelta(days=30),
    )
    ContactFactory(
        tenant=tenant_a,
        account=europe,
        first_name="Ian",
        last_name="Tech",
        persona=committee["it"],
        buying_role="influencer",
        last_verified_on=today - timedelta(days=400),
    )
    ContactFactory(tenant=tenant_a, account=europe, first_name="Olga", last_name="Other")
    ContactFactory(
        tenant=tenant_a,
        account=germany,
        first_name="Gerd",
        last_name="Champ",
        persona=committee["champion"],
        last_verified_on=today,
    )
    OpportunityFactory(tenant=tenant_a, account=europe, amount=Decimal("1000.00"))
    OpportunityFactory(tenant=tenant_a, account=germany, amount=Decimal("250.50"))
    OpportunityFactory(tenant=tenant_a, account=germany, amount=Decimal("9999.00"), stage="closed_won", close_date=None)
    OpportunityFactory(tenant=tenant_a, account=americas, amount=Decimal("40.00"))
    return {"holding": holding, "europe": europe, "germany": germany, "americas": americas}


def test_hierarchy_rolls_up_over_each_subtree(tenant_a, family):
    with as_tenant(tenant_a):
        nodes = selectors.hierarchy_nodes(family["holding"])
        rows = selectors.hierarchy_tree(nodes, family["holding"].pk)
    assert [
        (
            row["account"].name,
            row["depth"],
            row["contacts"],
            row["pipeline"],
            row["covered"],
            row["required"],
            row["coverage_percent"],
        )
        for row in rows
    ] == [
        # Holding: every account's contacts (4), open pipeline 1000 + 250.50 + 40, 2 of 12 requirements covered.
        ("Globex Holding", 0, 4, Decimal("1290.50"), 2, 12, 16),
        ("Globex Americas", 1, 0, Decimal("40.00"), 0, 3, 0),
        ("Globex Europe", 1, 4, Decimal("1250.50"), 2, 6, 33),
        ("Globex Germany", 2, 1, Decimal("250.50"), 1, 3, 33),
    ]


def test_page_shows_header_tree_and_committee_gaps(client_for, member_a, tenant_a, family):
    with as_tenant(tenant_a):
        Account.objects.filter(pk=family["europe"].pk).update(
            fit_score=72,
            fit_explanation=[
                {
                    "criterion": "Industry in Software",
                    "matched": True,
                    "points": 40.0,
                    "reason": "Software",
                    "must_have": False,
                }
            ],
        )
    response = client_for(member_a).get(f"/t/alpha/accounts/{family['europe'].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Globex Europe</h1>" in html
    assert f'<a href="/t/alpha/accounts/{family["holding"].pk}/">Globex Holding</a>' in html
    assert "<strong>72</strong> / 100" in html
    assert "<td>Industry in Software</td>" in html
    assert "Coverage 33 % (1 of 3 personas)" in html
    assert "<strong>Gaps:</strong>" in html
    assert "Champion (needs 1 more), IT leader (needs 2 more)" in html
    assert "Carla Ruiz · Economic buyer · current" in html
    assert "Ian Tech · Influencer · stale" in html
    assert "Other contacts: Olga Other" in html
    assert f'hx-get="/t/alpha/api/contacts/?account={family["europe"].pk}&page_size=100"' in html


def test_committee_part_alone(client_for, member_a, family):
    response = client_for(member_a).get(f"/t/alpha/accounts/{family['germany'].pk}/?part=committee")
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="committee-map"')
    assert "Coverage 33 % (1 of 3 personas)" in html
    assert "<html" not in html


def test_account_without_tier(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Lonely")
    html = client_for(member_a).get(f"/t/alpha/accounts/{account.pk}/").content.decode()
    assert "This account has no tier, so no buying committee is required of it." in html
    assert "No parent company or subsidiaries recorded." in html


def test_list_links_to_the_page(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Linked")
    html = client_for(member_a).get("/t/alpha/api/accounts/", HTTP_HX_REQUEST="true").content.decode()
    assert f'<a href="/t/alpha/accounts/{account.pk}/">Linked</a>' in html


def test_unknown_and_foreign_accounts_are_404(client_for, member_a, tenant_b):
    foreign = AccountFactory(tenant=tenant_b, name="Bravo Secret")
    client = client_for(member_a)
    assert client.get(f"/t/alpha/accounts/{foreign.pk}/").status_code == 404
    assert client.get("/t/alpha/accounts/999999/").status_code == 404


class TestQueryBudget:
    def count(self, client, url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def grow(self, tenant, account, committee, contacts, children):
        for index in range(contacts):
            ContactFactory(tenant=tenant, account=account, persona=committee["it"] if index % 2 else None)
        for _ in range(children):
            child = AccountFactory(tenant=tenant, parent=account)
            ContactFactory(tenant=tenant, account=child)
            OpportunityFactory(tenant=tenant, account=child)

    def test_constant_queries_for_contacts_and_children(self, client_for, member_a, tenant_a, family, committee):
        client = client_for(member_a)
        url = f"/t/alpha/accounts/{family['europe'].pk}/"
        self.grow(tenant_a, family["europe"], committee, 5, 2)
        small = self.count(client, url)
        self.grow(tenant_a, family["europe"], committee, 50, 20)
        large = self.count(client, url)
        # the user (1: session, membership and workspace switcher come from the cache); the account, its
        # ancestors, contacts, committee requirements, hierarchy with contacts and pipeline, the hierarchy's
        # coverage, technologies (7); +4 for the request's transaction (savepoint, tenant setting, its
        # restore, release)
        assert small == large == 12
