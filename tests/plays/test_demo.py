import pytest

from plays.demo import load_demo
from plays.models import Offer, PlayRun, PlayTemplate, TriggerRule
from tasks.models import Task, TaskSource
from tests.conftest import as_tenant

pytestmark = pytest.mark.django_db


def test_demo_playbook_and_runs_in_flight(tenant_a, sales):
    with as_tenant(tenant_a):
        sales["template"].delete()  # the demo fills an empty playbook only
    load_demo(tenant_a, runs=3)
    load_demo(tenant_a, runs=3)  # once only
    with as_tenant(tenant_a):
        assert sorted(PlayTemplate.objects.values_list("kind", "steps__position").distinct().order_by()) == sorted(
            [("acquisition", n) for n in (1, 2, 3, 4)]
            + [("nurture", 1), ("nurture", 2), ("ad_hoc", 1), ("ad_hoc", 2)]
            + [("onboarding", 1), ("onboarding", 2), ("qbr", 1), ("qbr", 2)]
        )
        assert list(PlayTemplate.objects.get(kind="acquisition").tiers.values_list("name", flat=True)) == ["Tier 1"]
        assert Offer.objects.count() == 7
        assert TriggerRule.objects.get().template.kind == "ad_hoc"
        run = PlayRun.objects.get()
        assert (run.account, run.template.name) == (sales["acme"], "Tier 1 acquisition")
        assert Task.objects.filter(source=TaskSource.PLAY, assignee=sales["ae"]).count() == 4  # 2 AE steps, 2 contacts
