import io

import pytest
from django.core.management import call_command

from abs_platform.tenancy.models import Tenant
from accounts.models import AccountStatusChange
from metrics.filters import MetricFilters
from metrics.models import SpendEntry
from metrics.selectors.funnel import funnel
from metrics.selectors.lifecycle import lifecycle
from metrics.selectors.pipeline import pipeline
from metrics.selectors.rollout import rollout
from tests.conftest import as_tenant

pytestmark = pytest.mark.django_db


def test_the_demo_gives_every_figure_of_the_funnel_cohorts_lifecycle_and_rollout():
    call_command("load_demo", stdout=io.StringIO())
    northwind = Tenant.objects.get(slug="northwind")
    with as_tenant(northwind):
        filters = MetricFilters.default()
        rates = funnel(filters)
        assert all(rates[name]["value"] for name in ("connect_rate", "pass_rate", "pipeline_rate"))
        target, sample, look_alike = pipeline(filters)["results"]
        assert sample["accounts"] >= 8 and look_alike["accounts"] > 0
        assert target["win_rate"] is not None and sample["average_deal_size"] is not None
        figures = lifecycle(filters)
        assert figures["churned"] > 0 and figures["new_customers"] > 0
        assert None not in (figures["churn_rate"], figures["ltv"], figures["cac"], figures["ltv_to_cac"])
        assert rollout(filters)["sdrs"] > 0
        entries, changes = SpendEntry.objects.count(), AccountStatusChange.objects.count()
    call_command("load_demo", stdout=io.StringIO())  # a second run adds nothing
    with as_tenant(northwind):
        assert (SpendEntry.objects.count(), AccountStatusChange.objects.count()) == (entries, changes)
