"""Coverage metrics on a hand-built hierarchy: totals as the check stored them against the goals, per account and
rolled up through the hierarchy, the gaps (which personas are missing where), the trend from the snapshots, the
filters, the query budget and isolation. The job, the Data health summary and the API agree to the row."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abs_platform.tenancy.context import workspace_today
from checks import selectors as checks_selectors
from checks import services as checks
from metrics import services
from metrics.models import DailySnapshot
from teams import services as team_services
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    PersonaFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/metrics/coverage/"
GAPS = "/api/v1/metrics/coverage-gaps/"


@pytest.fixture
def today(tenant_a):
    with as_tenant(tenant_a):
        return workspace_today()


@pytest.fixture
def workspace(tenant_a, owner_a, member_a, today):
    """Tier 1 requires 1 CFO and 2 CIOs; tier 2 nothing. Every account verified 10 days ago, contacts too.

    Holding (target, tier 1, no contacts) ← Sub A (CFO, 2 CIOs) ← Sub B (CFO, 1 CIO; no industry); Holding, Sub A
    and Sub B are on a team. Solo (tier 2, member_a's). Group 2 (no target, no tier) ← Solo 2 (tier 1, nobody).
    Other: no target, no parent, no child.

    Stored: Holding 0/2 [personas]; Sub A 2/2 []; Sub B 1/2 [data, personas]; Solo 0/0 [team];
    Solo 2 0/2 [personas, team]. 5 checked, 1 without gap, 4 with complete data, 3 of 8 personas covered.
    """
    ago = today - timedelta(days=10)
    tier1, tier2 = TierFactory(tenant=tenant_a, rank=1), TierFactory(tenant=tenant_a, rank=2)
    cfo, cio = PersonaFactory(tenant=tenant_a, name="CFO"), PersonaFactory(tenant=tenant_a, name="CIO")
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier1, persona=cfo, min_contacts=1)
    CommitteeRequirementFactory(tenant=tenant_a, tier=tier1, persona=cio, min_contacts=2)

    def account(name, **fields):
        return AccountFactory(tenant=tenant_a, name=name, owner=owner_a, last_verified_on=ago, **fields)

    holding = account("Holding", tier=tier1)
    sub_a = account("Sub A", tier=tier1, parent=holding)
    sub_b = account("Sub B", tier=tier1, parent=sub_a, industry="")
    solo = AccountFactory(tenant=tenant_a, name="Solo", tier=tier2, owner=member_a, last_verified_on=ago)
    group2 = account("Group 2", is_target=False)
    solo2 = account("Solo 2", tier=tier1, parent=group2)
    account("Other", is_target=False)
    for at, persona in ((sub_a, cfo), (sub_a, cio), (sub_a, cio), (sub_b, cfo), (sub_b, cio)):
        ContactFactory(tenant=tenant_a, account=at, persona=persona, last_verified_on=ago)
    with as_tenant(tenant_a, owner_a):
        team = team_services.team_create(name="Core")
        for at in (holding, sub_a, sub_b):
            team_services.team_account_add(team=team, account=at)
        checks.coverage_check()
    return {"tier1": tier1, "tier2": tier2, "cfo": cfo, "cio": cio, "holding": holding, "sub_a": sub_a,
            "sub_b": sub_b, "solo": solo, "group2": group2, "solo2": solo2}  # fmt: skip


def account_rows(body):
    keys = ("account_name", "gaps", "personas_required", "personas_covered", "personas_coverage")
    subtree = ("subtree_personas_required", "subtree_personas_covered", "subtree_personas_coverage")
    return [tuple(row[key] for key in keys + subtree) for row in body["results"]]


def test_totals_against_the_goals_and_each_account_with_its_subtree(api_a, workspace):
    body = api_a.get(URL).json()
    assert {key: value for key, value in body.items() if key not in ("results", "filters", "checked_at")} == {
        "metric": "coverage",
        "accounts": 5,
        "accounts_without_gap": 1,
        "accounts_coverage": 0.2,  # Sub A only: 1 / 5
        "accounts_data_complete": 4,  # all but Sub B (no industry)
        "data_coverage": 0.8,
        "personas_required": 8,  # 2 + 2 + 2 + 0 + 2
        "personas_covered": 3,  # Sub A 2, Sub B 1
        "personas_coverage": 0.375,
        "accounts_goal": 1.0,
        "personas_goal": 0.75,
        "trend": [],
    }
    assert body["checked_at"] is not None
    # Group 2 is no target (no figures of its own) but sums Solo 2; Holding sums Sub A and Sub B (6 required,
    # 0 + 2 + 1 = 3 covered); Solo requires nothing ("null", never 0 %); Other has nothing to show.
    assert account_rows(body) == [
        ("Group 2", None, None, None, None, 2, 0, 0.0),
        ("Holding", ["personas"], 2, 0, 0.0, 6, 3, 0.5),
        ("Solo", ["team"], 0, 0, None, 0, 0, None),
        ("Solo 2", ["personas", "team"], 2, 0, 0.0, 2, 0, 0.0),
        ("Sub A", [], 2, 2, 1.0, 4, 3, 0.75),
        ("Sub B", ["data", "personas"], 2, 1, 0.5, 2, 1, 0.5),
    ]
    assert body["results"][5]["missing_fields"] == ["industry"]


def test_tier_and_owner_narrow_the_accounts_and_drop_the_workspace_trend(api_a, workspace, member_a):
    body = api_a.get(URL, {"tier": workspace["tier1"].pk}).json()
    # Holding, Sub A, Sub B, Solo 2: 1 of 4 without a gap, 3 of 8 personas.
    assert (body["accounts"], body["accounts_without_gap"], body["personas_required"], body["personas_covered"]) == (
        4,
        1,
        8,
        3,
    )
    assert (body["accounts_coverage"], body["trend"]) == (0.25, None)
    body = api_a.get(URL, {"owner": member_a.pk}).json()
    assert (body["accounts"], body["personas_coverage"], account_rows(body)) == (
        1,
        None,  # Solo requires nothing: no ratio
        [("Solo", ["team"], 0, 0, None, 0, 0, None)],
    )


def test_the_trend_comes_from_the_snapshots_of_the_period(api_a, tenant_a, workspace, today):
    with as_tenant(tenant_a):
        services.snapshot_take()
        DailySnapshot.objects.create(
            day=today - timedelta(days=1),
            taken_at=timezone.now(),
            backfilled=True,
            engaged_accounts=0,
            touches=0,
            open_deals=0,
            open_pipeline=0,
            tasks_done=0,
            tasks_overdue=0,
        )
    body = api_a.get(URL, {"period": "30d"}).json()
    assert body["trend"] == [
        {"day": (today - timedelta(days=1)).isoformat(), "accounts_coverage": None, "personas_coverage": None},
        {"day": today.isoformat(), "accounts_coverage": 0.2, "personas_coverage": 0.375},
    ]


def test_the_job_the_summary_and_the_api_agree(api_a, tenant_a, workspace, today):
    with as_tenant(tenant_a):
        services.snapshot_take()
        snapshot = DailySnapshot.objects.get(day=today)
        summary = checks_selectors.summary()
    body = api_a.get(URL).json()
    assert (body["accounts"], body["accounts_without_gap"], body["personas_required"], body["personas_covered"]) == (
        summary["accounts"],
        summary["without_gap"],
        summary["personas_required"],
        summary["personas_covered"],
    )
    assert (snapshot.accounts_checked, snapshot.accounts_without_gap) == (
        body["accounts"],
        body["accounts_without_gap"],
    )
    assert (snapshot.personas_required, snapshot.personas_covered) == (8, 3)


def test_the_gaps_say_which_personas_are_missing_where(api_a, workspace):
    body = api_a.get(GAPS).json()
    cfo, cio = workspace["cfo"].pk, workspace["cio"].pk
    assert [(row["account_name"], row["persona_name"], row["current"], row["missing"]) for row in body["results"]] == [
        ("Holding", "CFO", 0, 1),
        ("Holding", "CIO", 0, 2),
        ("Solo 2", "CFO", 0, 1),
        ("Solo 2", "CIO", 0, 2),
        ("Sub B", "CIO", 1, 1),  # 2 required, 1 current
    ]
    assert body["results"][0] == {
        "account": workspace["holding"].pk,
        "account_name": "Holding",
        "tier": workspace["tier1"].pk,
        "persona": cfo,
        "persona_name": "CFO",
        "min_contacts": 1,
        "current": 0,
        "missing": 1,
    }
    assert body["by_persona"] == [
        {"persona": cfo, "persona_name": "CFO", "accounts": 2},
        {"persona": cio, "persona_name": "CIO", "accounts": 3},
    ]
    only_cio = api_a.get(GAPS, {"persona": cio}).json()
    assert [row["account_name"] for row in only_cio["results"]] == ["Holding", "Solo 2", "Sub B"]
    assert only_cio["by_persona"] == [{"persona": cio, "persona_name": "CIO", "accounts": 3}]


def test_gaps_narrowed_by_team_and_another_workspaces_persona_refused(api_a, api_b, tenant_a, workspace, tenant_b):
    with as_tenant(tenant_a):
        from teams.models import Team

        team = Team.objects.get(name="Core")
    body = api_a.get(GAPS, {"team": team.pk}).json()
    assert [(row["account_name"], row["persona_name"]) for row in body["results"]] == [
        ("Holding", "CFO"),
        ("Holding", "CIO"),
        ("Sub B", "CIO"),
    ]
    response = api_b.get(GAPS, {"persona": workspace["cio"].pk})
    assert response.status_code == 400
    assert response.json() == {"persona": [f"No persona with id {workspace['cio'].pk} in this workspace."]}
    assert api_b.get(GAPS).json() == {
        "metric": "coverage-gaps",
        "filters": api_b.get(GAPS).json()["filters"],
        "by_persona": [],
        "results": [],
    }
    assert api_b.get(URL).json()["accounts"] == 0


def test_csv_rows_are_the_accounts(api_a, workspace):
    response = api_a.get(URL, {"format": "csv"})
    lines = response.content.decode()[1:].splitlines()
    assert lines[0] == ",".join(
        [
            "account",
            "account_name",
            "tier",
            "parent",
            "checked_at",
            "data_complete",
            "missing_fields",
            "firmographics_verified",
            "personas_required",
            "personas_covered",
            "personas_coverage",
            "gaps",
            "subtree_personas_required",
            "subtree_personas_covered",
            "subtree_personas_coverage",
        ]
    )
    assert len(lines) == 7


def test_queries_do_not_grow_with_the_accounts(api_a, tenant_a, owner_a, workspace):
    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api_a.get(url).status_code == 200
        return len(captured)

    def measured() -> tuple[int, int]:
        queries(URL)  # the key's first use (after writes, again) fills the access cache
        return queries(URL), queries(GAPS)

    few = measured()
    tier1 = workspace["tier1"]
    for n in range(6):
        parent = AccountFactory(tenant=tenant_a, name=f"More {n}", tier=tier1, parent=workspace["holding"])
        ContactFactory(tenant=tenant_a, account=parent, persona=workspace["cfo"])
    with as_tenant(tenant_a):
        checks.coverage_check()
    assert measured() == few


def test_the_accounts_api_filters_by_a_missing_persona_as_the_gaps_list_it(api_a, api_b, workspace):
    cio = workspace["cio"].pk

    def names(client, **params):
        response = client.get("/api/v1/accounts/", {"ordering": "name", **params})
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    gaps = api_a.get(GAPS, {"persona": cio}).json()["results"]
    assert names(api_a, missing_persona=cio) == [row["account_name"] for row in gaps] == ["Holding", "Solo 2", "Sub B"]
    assert names(api_a, missing_persona=workspace["cfo"].pk, tier=workspace["tier1"].pk) == ["Holding", "Solo 2"]
    # Another workspace's persona finds nothing there, as an id that does not exist.
    assert names(api_b, missing_persona=cio) == names(api_b, missing_persona=999999) == []
    response = api_a.get("/api/v1/accounts/", {"missing_persona": "cio"})
    assert (response.status_code, response.json()) == (400, {"missing_persona": ["Enter a number."]})
