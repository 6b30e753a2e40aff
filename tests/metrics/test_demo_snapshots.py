"""The demo's daily snapshots: 90 days ending today, so ``make run`` draws the coverage trend; the past days'
recomputable figures are what the back-fill computes, the last day is the live figure, a second run adds none."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from abs_platform.tenancy.context import workspace_today
from abs_platform.tenancy.models import Membership, Role, Tenant
from checks import selectors as checks
from checks.models import CoverageResult
from metrics import services
from metrics.filters import MetricFilters
from metrics.models import DailySnapshot
from metrics.selectors.coverage import coverage
from tests.conftest import as_tenant

pytestmark = pytest.mark.django_db


def test_the_demo_snapshots_end_on_the_live_figures(client_for):
    call_command("load_demo", accounts=20, stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="northwind")
    with as_tenant(tenant):
        today = workspace_today()
        snapshots = list(DailySnapshot.objects.order_by("day"))
        assert [snapshot.day for snapshot in snapshots] == [today - timedelta(days=n) for n in range(89, -1, -1)]
        assert not any(snapshot.backfilled for snapshot in snapshots)
        last = snapshots[-1]
        live = checks.coverage_totals(CoverageResult.objects.filter(account__is_target=True))
        assert (last.accounts_checked, last.accounts_without_gap, last.personas_covered) == (
            live["accounts"],
            live["without_gap"],
            live["personas_covered"],
        )
        assert last.stale_by_reason == checks.stale_by_reason()
        # The days before: engagement, pipeline and tasks as the back-fill computes them; coverage measured every
        # day, climbing towards today's (never above it), staleness falling towards today's.
        past = snapshots[:-1]
        recomputed = services.recomputable_figures([snapshot.day for snapshot in past])
        assert [{field: getattr(snapshot, field) for field in services.RECOMPUTABLE} for snapshot in past] == [
            recomputed[snapshot.day] for snapshot in past
        ]
        assert all(s.accounts_checked == live["accounts"] for s in past)
        assert all(s.accounts_without_gap <= live["without_gap"] for s in past)
        assert past[0].personas_covered < past[-1].personas_covered <= live["personas_covered"]
        assert sum(past[0].stale_by_reason.values()) > sum(last.stale_by_reason.values())
        trend = coverage(MetricFilters.default())["trend"]
        assert len(trend) == 90 and trend[-1]["accounts_coverage"] == round(live["without_gap"] / live["accounts"], 4)
    call_command("load_demo", accounts=20, stdout=io.StringIO())  # a second run adds nothing
    with as_tenant(tenant):
        assert DailySnapshot.objects.count() == 90

    owner = Membership.objects.filter(tenant=tenant, role=Role.OWNER).order_by("id").first().user
    response = client_for(owner).get("/t/northwind/dashboard/?view=leader")
    chart = next(chart for chart in response.context["charts"] if chart.key == "coverage-trend")
    assert len(chart.config["labels"]) == 90 and chart.has_data
