"""The dashboard: which home a member gets (and lands on), each role's home from the workspace's data, the
filters (htmx, 400 beside the field), the empty states and the scorecard's query budget."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.models import Role
from checks.models import CoverageResult
from teams.models import Team, TeamAccount, TeamMember, TeamRole
from tests.conftest import _member, as_tenant
from tests.factories import AccountFactory, OpportunityFactory, SignalFactory, TierFactory
from tests.tasks.factories import TaskFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def on_team(tenant, user, role, *accounts, name="North"):
    with as_tenant(tenant):
        team, _ = Team.objects.get_or_create(name=name)
        TeamMember.objects.create(team=team, user=user, role=role)
        for account in accounts:
            TeamAccount.objects.create(team=team, account=account)
    return team


@pytest.fixture
def today(tenant_a):
    with as_tenant(tenant_a):
        return workspace_today()


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme")


class TestRoleHomes:
    @pytest.mark.parametrize(
        ("membership", "team_roles", "home", "heading"),
        [
            (Role.OWNER, [TeamRole.SDR], "leader", "Programme scorecard"),
            (Role.ADMIN, [], "leader", "Programme scorecard"),
            (Role.MEMBER, [TeamRole.EXECUTIVE_SPONSOR, TeamRole.SDR], "leader", "Programme scorecard"),
            (Role.MEMBER, [TeamRole.ACCOUNT_EXECUTIVE, TeamRole.SDR], "sdr", "SDR"),
            (Role.MEMBER, [TeamRole.ACCOUNT_EXECUTIVE], "ae", "Account executive"),
            (Role.MANAGER, [TeamRole.INDUSTRY_MARKETER], "marketing", "Marketing"),
            (Role.MEMBER, [TeamRole.SUPPORT], "leader", "Programme scorecard"),
            (Role.VIEWER, [], "leader", "Programme scorecard"),
        ],
    )
    def test_the_home_follows_the_team_roles_and_membership(
        self, client_for, tenant_a, acme, membership, team_roles, home, heading
    ):
        user = _member(tenant_a, membership, "someone")
        for role in team_roles:
            on_team(tenant_a, user, role)
        response = client_for(user).get("/t/alpha/dashboard/")
        assert response.status_code == 200
        assert response.context["view"] == home
        assert f"<h1>{heading}</h1>" in response.content.decode()

    def test_the_switcher_opens_another_view_keeping_the_filters(self, client_for, tenant_a, acme, owner_a):
        page = client_for(owner_a).get("/t/alpha/dashboard/?view=sdr&period=30d").content.decode()
        assert "<h1>SDR</h1>" in page
        assert 'href="?view=ae&amp;period=30d"' in page
        assert 'href="?view=leader&amp;period=30d">Programme scorecard <span class="muted">(yours)</span>' in page

    def test_an_unknown_view_is_a_400_naming_it(self, client_for, owner_a):
        response = client_for(owner_a).get("/t/alpha/dashboard/?view=ceo")
        assert response.status_code == 400
        assert 'data-field-error="view"' in response.content.decode()

    def test_members_without_open_tasks_land_on_the_dashboard(self, client, client_for, tenant_a, acme, owner_a):
        member = _member(tenant_a, Role.MEMBER, "sam")
        TaskFactory(tenant=tenant_a, account=acme, assignee=member)
        assert client_for(owner_a).get("/")["Location"] == "/t/alpha/dashboard/"
        assert client_for(member).get("/")["Location"] == "/t/alpha/my-day/"

    def test_a_workspace_without_accounts_opens_on_accounts(self, client_for, owner_a):
        assert client_for(owner_a).get("/")["Location"] == "/t/alpha/accounts/"

    def test_the_nav_entry_follows_my_day(self, client_for, owner_a):
        page = client_for(owner_a).get("/t/alpha/dashboard/").content.decode()
        nav = page[page.index('class="mainnav"') :]
        assert nav.index(">My day<") < nav.index(">Dashboard<") < nav.index(">Accounts<")
        assert 'aria-current="page">Dashboard<' in nav


class TestSdrHome:
    def test_todays_tasks_gaps_and_new_signals_of_my_accounts_only(self, client_for, tenant_a, today):
        sdr = _member(tenant_a, Role.MEMBER, "sid")
        mine = AccountFactory(tenant=tenant_a, name="Mine Ltd")
        teams = AccountFactory(tenant=tenant_a, name="Team Co")
        other = AccountFactory(tenant=tenant_a, name="Other plc", owner=_member(tenant_a, Role.MEMBER, "ola"))
        with as_tenant(tenant_a):
            mine.owner = sdr
            mine.save()
        on_team(tenant_a, sdr, TeamRole.SDR, teams)
        TaskFactory(tenant=tenant_a, account=mine, assignee=sdr, title="Call the CFO", due_on=today)
        TaskFactory(tenant=tenant_a, account=mine, assignee=sdr, title="Late e-mail", due_on=today - timedelta(days=3))
        TaskFactory(tenant=tenant_a, account=mine, assignee=sdr, title="Next week", due_on=today + timedelta(days=7))
        with as_tenant(tenant_a):
            for account, gaps in ((mine, ["personas"]), (teams, []), (other, ["data"])):
                CoverageResult.objects.create(
                    account=account,
                    checked_at=account.created_at,
                    data_complete=True,
                    firmographics_verified=True,
                    personas_required=3,
                    personas_covered=1 if gaps else 3,
                    team_complete=True,
                    gaps=gaps,
                )
        SignalFactory(tenant=tenant_a, account=teams, title="Raised a series B", occurred_on=today - timedelta(days=6))
        SignalFactory(tenant=tenant_a, account=teams, title="Old news", occurred_on=today - timedelta(days=7))
        SignalFactory(tenant=tenant_a, account=other, title="Not mine", occurred_on=today)

        response = client_for(sdr).get("/t/alpha/dashboard/")
        assert response.context["view"] == "sdr"
        assert [task.title for task in response.context["tasks"]] == ["Late e-mail", "Call the CFO"]
        assert [result.account.name for result in response.context["gaps"]] == ["Mine Ltd"]
        assert [signal.title for signal in response.context["signals"]] == ["Raised a series B"]
        page = response.content.decode()
        assert "2 due" in page and "1 in 7 days" in page
        assert "Not mine" not in page and "Other plc" not in page

    def test_empty_states_say_what_to_do(self, client_for, tenant_a, acme):
        sdr = _member(tenant_a, Role.MEMBER, "sid")
        on_team(tenant_a, sdr, TeamRole.SDR)
        page = client_for(sdr).get("/t/alpha/dashboard/").content.decode()
        assert "Nothing due today." in page
        assert "No accounts are yours yet." in page and 'href="/t/alpha/teams/">join a team</a>' in page
        assert "No new signals this week." in page


class TestAeHome:
    def test_my_accounts_health_with_totals_and_pages(self, client_for, tenant_a, today):
        ae = _member(tenant_a, Role.MEMBER, "abe")
        on_team(tenant_a, ae, TeamRole.ACCOUNT_EXECUTIVE)
        accounts = [AccountFactory(tenant=tenant_a, name=f"Client {n:02}", owner=ae) for n in range(27)]
        AccountFactory(tenant=tenant_a, name="Somebody else's")
        OpportunityFactory(tenant=tenant_a, account=accounts[0], amount=Decimal("1000.50"), stage="proposal")
        OpportunityFactory(tenant=tenant_a, account=accounts[0], amount=Decimal("2000"), stage="prospecting")
        OpportunityFactory(tenant=tenant_a, account=accounts[0], amount=Decimal("9999"), stage="closed_won")
        OpportunityFactory(tenant=tenant_a, account=accounts[1], amount=Decimal("500"), stage="negotiation")

        client = client_for(ae)
        response = client.get("/t/alpha/dashboard/")
        assert response.context["view"] == "ae"
        # open pipeline: 1000.50 + 2000 (Client 00) + 500 (Client 01); the won deal is closed
        assert response.context["totals"] == {"accounts": 27, "open_pipeline": Decimal("3500.50"), "reviews_overdue": 0}
        rows = list(response.context["page"])
        assert [row.name for row in rows[:2]] == ["Client 00", "Client 01"]
        assert [row.open_pipeline for row in rows[:3]] == [Decimal("3000.50"), Decimal("500"), Decimal("0")]
        page = response.content.decode()
        assert "1–25 of 27" in page and 'aria-label="Page 2"' in page
        second = client.get("/t/alpha/dashboard/?page=2", **HTMX)
        assert [row.name for row in second.context["page"]] == ["Client 25", "Client 26"]
        assert "<html" not in second.content.decode()
        # The chart of pipeline by stage is of the accounts the AE owns: its CSV carries owner=<the AE>.
        chart = response.context["charts"][1]
        assert chart.key == "my-pipeline-by-stage" and chart.csv_url.endswith(f"owner={ae.pk}")
        assert [(row["stage"], row["amount"]) for row in chart.rows] == [
            ("Prospecting", "2000.00"),
            ("Qualification", "0.00"),
            ("Discovery", "0.00"),
            ("Proposal", "1000.50"),
            ("Negotiation", "500.00"),
        ]

    def test_without_accounts_the_ae_is_told_how_to_get_some(self, client_for, tenant_a, acme):
        ae = _member(tenant_a, Role.MEMBER, "abe")
        on_team(tenant_a, ae, TeamRole.ACCOUNT_EXECUTIVE)
        page = client_for(ae).get("/t/alpha/dashboard/").content.decode()
        assert (
            "No accounts are yours yet." in page and 'href="/t/alpha/accounts/">take ownership of accounts</a>' in page
        )


class TestLeaderScorecard:
    def test_no_target_accounts_yet_points_to_the_import(self, client_for, tenant_a, owner_a):
        AccountFactory(tenant=tenant_a, is_target=False)
        page = client_for(owner_a).get("/t/alpha/dashboard/").content.decode()
        assert "No target accounts yet." in page and 'href="/t/alpha/accounts/import/">import a CSV</a>' in page
        assert "<canvas" not in page

    def test_charts_carry_their_data_numbers_and_csv_with_the_filters(self, client_for, tenant_a, owner_a):
        with as_tenant(tenant_a):
            tier = TierFactory(tenant=tenant_a, name="Tier 1", rank=1)
        for score in (10, 30, 55, 80, 100):
            AccountFactory(tenant=tenant_a, fit_score=score, tier=tier)
        AccountFactory(tenant=tenant_a, fit_score=None)
        AccountFactory(tenant=tenant_a, fit_score=90, is_target=False)
        response = client_for(owner_a).get(f"/t/alpha/dashboard/?tier={tier.pk}&period=30d")
        page = response.content.decode()
        fit = next(chart for chart in response.context["charts"] if chart.key == "fit-scores")
        # the five scored targets of Tier 1, one per band; the unscored one has no tier
        assert fit.config["datasets"][0]["data"] == [1, 1, 1, 1, 1, 0]
        start, end = response.context["filters"].start, response.context["filters"].end
        assert fit.csv_url == f"/t/alpha/dashboard/chart.csv?chart=fit-scores&start={start}&end={end}&tier={tier.pk}"
        assert '<canvas data-chart="chart-data-fit-scores"' in page
        assert '<script id="chart-data-fit-scores" type="application/json">' in page
        assert "<summary>Show the numbers</summary>" in page

    def test_an_invalid_filter_is_a_400_beside_its_field(self, client_for, tenant_a, acme, owner_a):
        response = client_for(owner_a).get("/t/alpha/dashboard/?owner=999999", **HTMX)
        assert response.status_code == 400
        body = response.content.decode()
        assert 'data-field-error="owner" data-message="No member of this workspace has id 999999."' in body
        assert "<html" not in body and "dashboard-filters" not in body

    def test_query_budget_does_not_grow_with_the_data(self, client_for, tenant_a, owner_a):
        client = client_for(owner_a)

        def queries():
            client.get("/t/alpha/dashboard/")  # warm the caches a first request fills
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/t/alpha/dashboard/").status_code == 200
            return len(captured)

        account = AccountFactory(tenant=tenant_a)
        OpportunityFactory(tenant=tenant_a, account=account)
        few = queries()
        for _ in range(20):
            OpportunityFactory(tenant=tenant_a, account=AccountFactory(tenant=tenant_a, fit_score=50))
        assert queries() == few
