"""The demo engagement log: varied, valid, idempotent, and visible on the account page."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from abs_platform.tenancy.models import Tenant
from accounts import selectors
from accounts.demo import load_demo_activities
from accounts.models import Account, Activity
from personas.demo import load_demo
from tests.conftest import as_tenant
from tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_demo_activities_are_varied_valid_and_idempotent(tenant_a, member_a):
    for index in range(30):
        AccountFactory(tenant=tenant_a, name=f"Demo {index}", owner=member_a if index % 2 else None)
    load_demo(tenant_a, seed=5)  # contacts first
    counts = load_demo_activities(tenant_a, seed=17)
    assert sum(counts[profile] for profile in ("rising", "falling", "steady", "silent")) == 30
    assert min(counts["rising"], counts["falling"], counts["steady"], counts["silent"]) >= 3
    with as_tenant(tenant_a):
        activities = Activity.objects.select_related("contact")
        assert activities.count() == counts["activities"] > 100
        assert Activity.history.count() == counts["activities"]
        now = timezone.now()
        assert all(0 < (now - a.occurred_at).days <= 180 for a in activities)
        assert all(a.contact is None or a.contact.account_id == a.account_id for a in activities)
        assert {a.direction for a in activities} == {"inbound", "outbound"}
        assert len({a.channel for a in activities}) >= 6
        engagement = selectors.engagement_by_account(Account.objects.values_list("id", flat=True))
    trends = {e.responses.trend for e in engagement.values()} | {e.touches.trend for e in engagement.values()}
    assert {"up", "down", "none"} <= trends
    assert sum(1 for e in engagement.values() if e.is_empty) == counts["silent"]
    assert load_demo_activities(tenant_a, seed=17) == {
        "activities": 0,
        **dict.fromkeys(counts.keys() - {"activities"}, 0),
    }


def test_load_demo_gives_the_account_page_engagement(client):
    call_command("load_demo", accounts=20, stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="northwind")
    with as_tenant(tenant):
        ids = list(Account.objects.values_list("id", flat=True))
        engagement = selectors.engagement_by_account(ids)
        busy = max(ids, key=lambda pk: (engagement[pk].current.touches + engagement[pk].current.responses, -pk))
    assert engagement[busy].current.touches + engagement[busy].current.responses > 0
    client.force_login(UserFactory(username="sam"))
    html = client.get(f"/t/northwind/accounts/{busy}/").content.decode()
    assert f"<strong>{engagement[busy].current.touches}</strong>" in html
    assert 'id="engagement-summary"' in html
