"""The distribution metrics behind the dashboard's charts: fit-score and coverage bands of target accounts,
open pipeline by stage; hand-counted, with the filters, the CSV and another workspace's rows left out."""

from datetime import timedelta
from decimal import Decimal

import pytest

from abs_platform.tenancy.context import workspace_today
from personas.coverage import coverage_recount
from personas.models import CommitteeRequirement
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, OpportunityFactory, PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db


def bands(body):
    return {row["band"]: row["accounts"] for row in body["results"]}


def test_fit_scores_by_band_of_target_accounts(api_a, tenant_a, tenant_b):
    for score in (0, 24, 25, 74, 99, 100, None):
        AccountFactory(tenant=tenant_a, fit_score=score)
    AccountFactory(tenant=tenant_a, fit_score=50, is_target=False)  # not a target: left out
    AccountFactory(tenant=tenant_b, fit_score=50)  # another workspace
    body = api_a.get("/api/v1/metrics/fit-scores/").json()
    assert body["metric"] == "fit-scores"
    # 0 and 24 → 0–24; 25 → 25–49; 74 → 50–74; 99 → 75–99; 100 → 100; unscored → none
    assert bands(body) == {"0–24": 2, "25–49": 1, "50–74": 1, "75–99": 1, "100": 1, "none": 1}


def test_coverage_by_band_and_tier_filter(api_a, tenant_a):
    with as_tenant(tenant_a):
        tier = TierFactory(tenant=tenant_a, rank=1)
        cfo, cto = PersonaFactory(tenant=tenant_a, name="CFO"), PersonaFactory(tenant=tenant_a, name="CTO")
        for persona in (cfo, cto):
            CommitteeRequirement.objects.create(tier=tier, persona=persona, min_contacts=1)
        today = workspace_today()
    full, half = AccountFactory(tenant=tenant_a, tier=tier), AccountFactory(tenant=tenant_a, tier=tier)
    AccountFactory(tenant=tenant_a)  # no tier: nothing required
    for account, personas in ((full, (cfo, cto)), (half, (cfo,))):
        for persona in personas:
            ContactFactory(tenant=tenant_a, account=account, persona=persona, last_verified_on=today)
    with as_tenant(tenant_a):
        coverage_recount()  # the factories wrote past the services' events
    # full: 2 of 2 = 100 %; half: 1 of 2 = 50 %; the account without a tier has nothing required
    assert bands(api_a.get("/api/v1/metrics/coverage-distribution/").json()) == {
        "0–24": 0,
        "25–49": 0,
        "50–74": 1,
        "75–99": 0,
        "100": 1,
        "none": 1,
    }
    assert bands(api_a.get("/api/v1/metrics/coverage-distribution/", {"tier": tier.pk}).json())["none"] == 0


def test_open_pipeline_by_stage_until_the_period_end_and_as_csv(api_a, tenant_a, tenant_b):
    with as_tenant(tenant_a):
        today = workspace_today()
    acme = AccountFactory(tenant=tenant_a)
    OpportunityFactory(tenant=tenant_a, account=acme, stage="proposal", amount=Decimal("1250.50"), opened_on=today)
    OpportunityFactory(tenant=tenant_a, account=acme, stage="proposal", amount=Decimal("750"), opened_on=today)
    OpportunityFactory(tenant=tenant_a, account=acme, stage="prospecting", amount=Decimal("10"), opened_on=today)
    OpportunityFactory(tenant=tenant_a, account=acme, stage="closed_won", amount=Decimal("999"), opened_on=today)
    OpportunityFactory(tenant=tenant_b, stage="proposal", amount=Decimal("5"), opened_on=today)
    body = api_a.get("/api/v1/metrics/pipeline-by-stage/").json()
    # proposal: 1250.50 + 750 = 2000.50 in 2 deals; the won deal is closed; Bravo's deal is not ours
    assert body["results"] == [
        {"stage": "Prospecting", "opportunities": 1, "amount": "10.00"},
        {"stage": "Qualification", "opportunities": 0, "amount": "0.00"},
        {"stage": "Discovery", "opportunities": 0, "amount": "0.00"},
        {"stage": "Proposal", "opportunities": 2, "amount": "2000.50"},
        {"stage": "Negotiation", "opportunities": 0, "amount": "0.00"},
    ]
    yesterday = (today - timedelta(days=1)).isoformat()
    earlier = api_a.get("/api/v1/metrics/pipeline-by-stage/", {"end": yesterday}).json()
    assert sum(row["opportunities"] for row in earlier["results"]) == 0  # none was open yet
    csv = api_a.get("/api/v1/metrics/pipeline-by-stage/", {"format": "csv"})
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[:2] == ["stage,opportunities,amount", "Prospecting,1,10.00"]
