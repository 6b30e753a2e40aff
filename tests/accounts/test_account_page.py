from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import selectors
from accounts.engagement import Counts, Engagement
from accounts.models import Account, Contact
from personas.coverage import coverage_recount
from tests.conftest import as_tenant, page_as_loaded
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    TechnologyFactory,
    TierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


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
    with as_tenant(tenant_a):
        coverage_recount()  # the factories wrote past the services' events
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


@pytest.fixture
def engagement_log(tenant_a, family):
    """Activities 10 days ago (current window) and 120 days ago (baseline); one 200 days ago counts nowhere."""
    now = timezone.now()
    with as_tenant(tenant_a):
        people = {contact.first_name: contact for contact in Contact.objects.all()}

    def log(account, direction, days_ago, contact=None):
        ActivityFactory(
            tenant=tenant_a,
            account=family[account],
            contact=people[contact] if contact else None,
            direction=direction,
            occurred_at=now - timedelta(days=days_ago),
        )

    log("holding", "outbound", 10)
    log("europe", "outbound", 10, "Carla")
    log("europe", "outbound", 11, "Carla")
    log("europe", "inbound", 12, "Carla")
    log("europe", "inbound", 13, "Ian")
    log("europe", "outbound", 120, "Carla")
    log("germany", "inbound", 10, "Gerd")
    for days_ago in (100, 110, 120):
        log("germany", "outbound", days_ago)
    log("germany", "inbound", 130, "Gerd")
    log("germany", "inbound", 140, "Gerd")
    log("americas", "inbound", 200)


def test_hierarchy_rolls_up_engagement_over_each_subtree(tenant_a, family, engagement_log):
    with as_tenant(tenant_a):
        nodes = selectors.hierarchy_nodes(family["holding"])
        rows = selectors.hierarchy_tree(nodes, family["holding"].pk)
        own = selectors.engagement_by_account(node.pk for node in nodes)
    # Each node's own engagement, read with the tree, equals what engagement_by_account reads alone.
    assert {node.pk: node.engagement for node in nodes} == own
    assert own[family["europe"].pk] == Engagement(current=Counts(2, 2, 2), baseline=Counts(1, 0, 1))
    assert [(row["account"].name, row["engagement"]) for row in rows] == [
        # Holding: its own touch + Europe's subtree; engaged contacts add up (a contact is at one account).
        ("Globex Holding", Engagement(current=Counts(3, 3, 3), baseline=Counts(4, 2, 2))),
        ("Globex Americas", Engagement()),  # its one activity is older than both windows
        ("Globex Europe", Engagement(current=Counts(2, 3, 3), baseline=Counts(4, 2, 2))),
        ("Globex Germany", Engagement(current=Counts(0, 1, 1), baseline=Counts(3, 2, 1))),
    ]
    changes = {
        row["account"].name: [
            (change.absolute, change.percent, change.trend)
            for change in (row["engagement"].touches, row["engagement"].responses, row["engagement"].engaged_contacts)
        ]
        for row in rows
    }
    assert changes == {
        "Globex Holding": [(-1, -25, "down"), (1, 50, "up"), (1, 50, "up")],
        "Globex Americas": [(0, None, "none")] * 3,
        "Globex Europe": [(-2, -50, "down"), (1, 50, "up"), (1, 50, "up")],
        "Globex Germany": [(-3, -100, "down"), (-1, -50, "down"), (0, 0, "flat")],
    }


def test_page_shows_engagement_in_the_header_and_the_tree(client_for, member_a, family, engagement_log):
    client = client_for(member_a)
    html = page_as_loaded(client, f"/t/alpha/accounts/{family['europe'].pk}/")
    # Header: Europe's own activity (2 touches, 2 responses, 2 contacts; before: 1, 0, 1).
    assert '<span class="change change-up" title="1 in the 90 days before">▲ +1 (+100 %)</span>' in html
    assert '<span class="change change-new" title="None in the 90 days before">new</span>' in html
    assert "before: 0" in html
    # Tree: the holding's row adds up its subtree (3 touches, −1 against 4 before).
    assert '<td class="num">3 <span class="change change-down" title="4 in the 90 days before">▼ -1</span>' in " ".join(
        html.split()
    )
    assert f'hx-get="/t/alpha/api/activities/?account={family["europe"].pk}&page_size=20"' in html
    assert "Log activity" in html
    part = client.get(f"/t/alpha/accounts/{family['germany'].pk}/?part=engagement").content.decode()
    assert part.lstrip().startswith('<section class="card" id="engagement-summary"')
    assert '<span class="change change-down" title="3 in the 90 days before">▼ -3 (-100 %)</span>' in part
    assert "<html" not in part


def test_header_engagement_of_an_account_cut_from_a_large_tree(
    client_for, member_a, family, engagement_log, monkeypatch
):
    # The tree keeps its top accounts (Holding, then Americas by name): Germany's own figures come on their own.
    monkeypatch.setattr(selectors, "TREE_MAX_NODES", 2)
    html = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{family['germany'].pk}/")
    assert '<span class="change change-down" title="3 in the 90 days before">▼ -3 (-100 %)</span>' in html
    assert "Only the first accounts of this large hierarchy are shown." in html
    tree = html[
        html.index('<section class="card" id="hierarchy">') : html.index('<section class="card" id="contacts">')
    ]
    assert tree.count("<tr") == 3  # the header and two accounts
    assert f'<a href="/t/alpha/accounts/{family["holding"].pk}/">Globex Holding</a>' in tree
    assert f'<a href="/t/alpha/accounts/{family["americas"].pk}/">Globex Americas</a>' in tree


def test_engagement_summary_without_activity(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Quiet")
    html = client_for(member_a).get(f"/t/alpha/accounts/{account.pk}/?part=engagement").content.decode()
    assert "No activity logged in the last 180 days." in html


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
    client = client_for(member_a)
    assert client.get(f"/t/alpha/accounts/{family['europe'].pk}/").status_code == 200
    html = page_as_loaded(client, f"/t/alpha/accounts/{family['europe'].pk}/")
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
    html = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{account.pk}/")
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
    assert client.get(f"/t/alpha/accounts/{foreign.pk}/?part=engagement").status_code == 404


class TestQueryBudget:
    def count(self, client, url):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def grow(self, tenant, account, committee, contacts, children):
        for index in range(contacts):
            ContactFactory(tenant=tenant, account=account, persona=committee["it"] if index % 2 else None)
            ActivityFactory(tenant=tenant, account=account, direction="inbound" if index % 3 else "outbound")
        for _ in range(children):
            child = AccountFactory(tenant=tenant, parent=account)
            contact = ContactFactory(tenant=tenant, account=child)
            OpportunityFactory(tenant=tenant, account=child)
            ActivityFactory(tenant=tenant, account=child, contact=contact)
            ActivityFactory(tenant=tenant, account=child, occurred_at=timezone.now() - timedelta(days=100))

    def test_constant_queries_for_contacts_and_children(self, client_for, member_a, tenant_a, family, committee):
        client = client_for(member_a)
        url = f"/t/alpha/accounts/{family['europe'].pk}/"
        parts = ["", "?part=hierarchy", "?part=committee", "?part=teams", "?part=planning"]
        self.grow(tenant_a, family["europe"], committee, 5, 2)
        small = [self.count(client, url + part) for part in parts]
        self.grow(tenant_a, family["europe"], committee, 50, 20)
        large = [self.count(client, url + part) for part in parts]
        # Each with the account (owner and tiers) and its technologies (2), and 4 for the request's transaction
        # (savepoint, tenant setting, its restore, release); session, user, membership and workspace switcher come
        # from the cache. The page: its ancestors and engagement (2); the hierarchy: the ancestors and the tree
        # with each node's stored coverage, contacts, pipeline and engagement (2); the committee: its tier's
        # requirements with their current counts, its contacts (2); the teams (1); the plan and its review due date (1).
        assert small == large == [8, 8, 8, 7, 7]


def test_header_shows_owner_tiers_and_technologies_by_name(client_for, member_a, tenant_a, committee):
    from accounts.models import AccountTechnology

    owner = UserFactory(first_name="Olivia", last_name="Owner", username="olivia.o")
    account = AccountFactory(tenant=tenant_a, name="Initech", owner=owner, country="DE")
    suggested = TierFactory(tenant=tenant_a, rank=2, name="Tier 2", engagement_model="one_to_few")
    with as_tenant(tenant_a):
        Account.objects.filter(pk=account.pk).update(
            tier=committee["tier"], suggested_tier=suggested, tier_override_reason="Strategic logo"
        )
        for name, relation in (("Zendesk", "competitor"), ("Airflow", "other"), ("Marketo", "complementary")):
            technology = TechnologyFactory(tenant=tenant_a, name=name, relation=relation)
            AccountTechnology.objects.create(tenant=tenant_a, account=account, technology=technology)
    html = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{account.pk}/")
    assert "<dt>Owner</dt><dd>Olivia Owner</dd>" in html
    assert "<dt>Headquarters</dt><dd>— (Germany)</dd>" in html
    assert '<dt>Tier</dt><dd>Tier 1 <span class="muted">(1:1)</span></dd>' in html
    assert "<dt>Suggested tier</dt><dd>Tier 2</dd>" in html
    assert "<dt>Why this tier</dt><dd>Strategic logo</dd>" in html
    assert (
        '<dt>Technologies</dt><dd>Airflow, Marketo <span class="muted">(complementary)</span>, '
        'Zendesk <span class="muted">(competitor)</span></dd>'
    ) in html


def test_header_without_owner_tier_or_technologies(client_for, member_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Bare")
    html = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{account.pk}/")
    assert "<dt>Owner</dt><dd>Unassigned</dd>" in html
    assert "<dt>Tier</dt><dd>none</dd>" in html
    assert "<dt>Technologies</dt><dd>—</dd>" in html
    assert "Suggested tier" not in html


def test_ids_past_64_bits_are_404(client_for, member_a):
    assert client_for(member_a).get(f"/t/alpha/accounts/{2**63}/").status_code == 404
    assert client_for(member_a).get(f"/t/alpha/accounts/{2**70}/?part=committee").status_code == 404


def test_related_lists_load_for_everyone_and_only_editors_get_add_buttons(client_for, member_a, viewer_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Listed")
    lists = [
        f'<div id="contact-list" hx-get="/t/alpha/api/contacts/?account={account.pk}&page_size=100"',
        f'<div id="activity-list" hx-get="/t/alpha/api/activities/?account={account.pk}&page_size=20"',
        f'<div id="signal-list" hx-get="/t/alpha/api/signals/?account={account.pk}&page_size=20"',
        f'<div id="opportunity-list" hx-get="/t/alpha/api/opportunities/?account={account.pk}&page_size=50"',
    ]
    buttons = [
        f'<button class="primary" hx-get="/t/alpha/api/contacts/new/?account={account.pk}" '
        'hx-target="#contact-panel">New contact</button>',
        f'<button class="primary" hx-get="/t/alpha/api/activities/new/?account={account.pk}" '
        'hx-target="#activity-panel">Log activity</button>',
        f'<button hx-get="/t/alpha/api/signals/new/?account={account.pk}" '
        'hx-target="#signal-panel">New signal</button>',
        f'<button hx-get="/t/alpha/api/opportunities/new/?account={account.pk}" '
        'hx-target="#opportunity-panel">New opportunity</button>',
    ]
    member_html = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{account.pk}/")
    viewer_html = page_as_loaded(client_for(viewer_a), f"/t/alpha/accounts/{account.pk}/")
    assert [snippet in member_html for snippet in lists + buttons] == [True] * 8
    assert [snippet in viewer_html for snippet in lists] == [True] * 4
    assert [snippet in viewer_html for snippet in buttons] == [False] * 4
    assert f'<a href="/t/alpha/contacts/?account={account.pk}">Open in Contacts</a>' in viewer_html


def test_firmographics_escape_values_and_show_dashes_when_empty(client_for, member_a, tenant_a):
    account = AccountFactory(
        tenant=tenant_a,
        name="Facts",
        domain="facts.example",
        website="https://facts.example/?a=1&b=2",
        industry="R&D <labs>",
        employee_count=None,
        annual_revenue=None,
        growth_rate=None,
        headquarters="",
        country="",
        office_count=None,
        company_type="",
    )
    html = page_as_loaded(client_for(member_a), f"/t/alpha/accounts/{account.pk}/")
    assert (
        '<dt>Domain</dt><dd><a href="https://facts.example/?a=1&amp;b=2" rel="noopener noreferrer" '
        'target="_blank">facts.example</a></dd>'
    ) in html
    assert "<dt>Industry</dt><dd>R&amp;D &lt;labs&gt;</dd>" in html
    for label in ("Company type", "Employees", "Annual revenue", "Growth", "Headquarters", "Offices", "Technologies"):
        assert f"<dt>{label}</dt><dd>—</dd>" in html
    assert "<dt>Owner</dt><dd>Unassigned</dd>" in html
    assert "<dt>Last verified</dt><dd>never</dd>" in html


def test_firmographics_card_is_edited_through_the_accounts_api(client_for, member_a, viewer_a, tenant_a):
    account = AccountFactory(tenant=tenant_a, name="Initech", domain="initech.com", employee_count=250)
    page_layout = {"HTTP_HX_REQUEST": "true", "HTTP_X_ACCOUNT_LAYOUT": "page"}
    url = f"/t/alpha/api/accounts/{account.pk}/"
    form = {"name": "Initech", "domain": "initech.com", "employee_count": "1200", "status": "prospect"}

    refused = client_for(viewer_a).put(url, urlencode(form), content_type=FORM, **page_layout)
    assert refused.status_code == 403
    with as_tenant(tenant_a):
        assert Account.objects.get(pk=account.pk).employee_count == 250

    saved = client_for(member_a).put(url, urlencode(form), content_type=FORM, **page_layout)
    assert saved.status_code == 200
    assert saved["HX-Trigger"] == "objectsChanged"
    assert "X-Account-Layout" in saved["Vary"]
    body = saved.content.decode()
    assert '<article class="card" id="account-facts"' in body
    assert "<dt>Employees</dt><dd>1,200</dd>" in body
    assert "<dt>Target account</dt><dd>No</dd>" in body  # an unchecked box posts nothing: off
    with as_tenant(tenant_a):
        assert Account.objects.values_list("employee_count", "is_target").get(pk=account.pk) == (1200, False)
