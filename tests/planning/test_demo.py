import pytest

from accounts.models import Opportunity
from planning import selectors
from planning.demo import load_demo
from planning.models import AccountPlan, HandOff
from tests.conftest import as_tenant
from tests.factories import AccountFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_demo_plans_reviews_one_overdue_and_hand_offs_in_each_state(tenant_a, owner_a, admin_a, member_a, viewer_a):
    tier1 = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    for index in range(7):
        AccountFactory(tenant=tenant_a, name=f"Top {index}", tier=tier1, fit_score=90 - index)
    users = [owner_a, admin_a, member_a, viewer_a]
    assert load_demo(tenant_a, users=users) == {"plans": 6, "reviews": 3, "hand_offs": 3}
    with as_tenant(tenant_a):
        assert AccountPlan.objects.count() == 6
        plan = AccountPlan.objects.get(account__name="Top 0")
        versions = selectors.plan_changes(plan)
        assert [(version.user, [change.field for change in version.changes]) for version in versions] == [
            (admin_a.get_full_name(), ["Next steps"]),
            (owner_a.get_full_name(), [change.field for change in versions[-1].changes]),
        ]
        assert versions[-1].created
        overdue = [account.name for account in selectors.review_schedule() if account.review_overdue]
        assert overdue == ["Top 1"]
        assert sorted(HandOff.objects.values_list("state", flat=True)) == ["accepted", "passed", "rejected"]
        assert Opportunity.objects.filter(hand_offs__state="accepted").count() == 1
    assert load_demo(tenant_a, users=users) == {"plans": 0, "reviews": 0, "hand_offs": 0}
