"""The rollout tracker: SDRs working target accounts against the staged plan."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abs_platform.tenancy.models import Role
from metrics.filters import MetricFilters
from metrics.selectors.rollout import rollout
from tasks.models import Task
from teams.models import Team, TeamAccount, TeamMember
from tests.conftest import as_tenant
from tests.factories import AccountFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(tenant, username):
    user = UserFactory(username=username, first_name=username.capitalize(), last_name="")
    MembershipFactory(tenant=tenant, user=user, role=Role.MEMBER)
    return user


def seat(team, user, role="sdr"):
    with as_tenant(team.tenant):
        TeamMember.objects.create(team=team, user=user, role=role)


def task(account, user, state="open"):
    with as_tenant(account.tenant):
        Task.objects.create(account=account, assignee=user, title="Call", due_on=date(2026, 2, 1), state=state)


@pytest.fixture
def workspace(tenant_a, tenant_b):
    target = AccountFactory(tenant=tenant_a, name="Target")
    other = AccountFactory(tenant=tenant_a, name="Other", is_target=False)
    with as_tenant(tenant_a):
        east, west = Team.objects.create(name="East"), Team.objects.create(name="West")
        TeamAccount.objects.create(team=east, account=target)
        TeamAccount.objects.create(team=west, account=other)
    ann, bob, cy, dee, eve = (person(tenant_a, name) for name in ("ann", "bob", "cy", "dee", "eve"))
    seat(east, ann)  # on a team with a target account
    seat(west, bob)  # West has no target account, but an open task on one
    task(target, bob)
    seat(west, cy)  # nothing on target accounts
    seat(west, dee)  # a task on a target account, done
    task(target, dee, state="done")
    seat(east, eve, role="account_executive")  # not an SDR
    bravo_team_user = person(tenant_b, "zed")
    with as_tenant(tenant_b):
        bravo = Team.objects.create(name="Bravo")
    seat(bravo, bravo_team_user)
    return {"east": east, "west": west, "users": (ann, bob, cy, dee)}


def test_the_share_of_sdrs_working_target_accounts_against_the_plan(api_a, workspace):
    body = api_a.get("/api/v1/metrics/rollout/").json()
    ann, bob, cy, dee = workspace["users"]
    # Ann (team) and Bob (open task) of four SDRs: 2/4 = 50 %, the second stage; next 75 %.
    assert {key: body[key] for key in ("sdrs", "working_target_accounts", "share", "stage_reached", "next_stage")} == {
        "sdrs": 4,
        "working_target_accounts": 2,
        "share": 0.5,
        "stage_reached": 0.5,
        "next_stage": 0.75,
    }
    assert body["stages"] == [0.3, 0.5, 0.75, 1.0]
    assert body["results"] == [
        {
            "user": ann.pk,
            "name": "Ann",
            "team_target_accounts": 1,
            "open_target_tasks": 0,
            "works_target_accounts": True,
        },
        {
            "user": bob.pk,
            "name": "Bob",
            "team_target_accounts": 0,
            "open_target_tasks": 1,
            "works_target_accounts": True,
        },
        {
            "user": cy.pk,
            "name": "Cy",
            "team_target_accounts": 0,
            "open_target_tasks": 0,
            "works_target_accounts": False,
        },
        {
            "user": dee.pk,
            "name": "Dee",
            "team_target_accounts": 0,
            "open_target_tasks": 0,
            "works_target_accounts": False,
        },
    ]


def test_one_team(api_a, workspace):
    body = api_a.get(f"/api/v1/metrics/rollout/?team={workspace['west'].pk}").json()
    # West: Bob, Cy, Dee; Bob works a target account: 1/3 → past 30 %, 50 % next.
    assert [body[key] for key in ("sdrs", "working_target_accounts", "share", "stage_reached", "next_stage")] == [
        3,
        1,
        0.3333,
        0.3,
        0.5,
    ]


def test_every_sdr_working_target_accounts_is_the_last_stage(api_a, tenant_a, workspace):
    target = AccountFactory(tenant=tenant_a, name="Second")
    for user in workspace["users"][2:]:
        task(target, user)
    body = api_a.get("/api/v1/metrics/rollout/").json()
    assert [body[key] for key in ("share", "stage_reached", "next_stage")] == [1.0, 1.0, None]


def test_no_sdrs_gives_a_null_share_and_the_first_stage_next(api_a, tenant_a):
    body = api_a.get("/api/v1/metrics/rollout/").json()
    assert [body[key] for key in ("sdrs", "share", "stage_reached", "next_stage", "results")] == [
        0,
        None,
        None,
        0.3,
        [],
    ]


def test_another_workspace_sees_only_its_own(api_b, workspace):
    body = api_b.get("/api/v1/metrics/rollout/").json()
    assert [body[key] for key in ("sdrs", "working_target_accounts", "share")] == [1, 0, 0.0]


def test_the_query_count_does_not_grow_with_the_data(tenant_a, workspace):
    filters = MetricFilters(start=date(2026, 1, 1), end=date(2026, 3, 31))

    def queries() -> int:
        with as_tenant(tenant_a), CaptureQueriesContext(connection) as captured:
            rollout(filters)
        return len(captured)

    before = queries()
    for n in range(4):
        sdr = person(tenant_a, f"more{n}")
        seat(workspace["east"], sdr)
        task(AccountFactory(tenant=tenant_a, name=f"More {n}"), sdr)
    assert queries() == before == 1
