"""The demo workspace gives the engagement, activity, marketing and play figures something to show."""

import io

import pytest
from django.core.management import call_command

from abs_platform.tenancy.models import Membership, Role, Tenant
from tests.conftest import make_api_client

pytestmark = pytest.mark.django_db


def test_load_demo_gives_non_trivial_figures():
    call_command("load_demo", accounts=20, stdout=io.StringIO())
    tenant = Tenant.objects.get(slug="northwind")
    owner = Membership.objects.filter(tenant=tenant, role=Role.OWNER).order_by("id").first().user
    api = make_api_client(tenant, created_by=owner)
    activity = api.get("/api/v1/metrics/activity/").json()
    assert activity["touches"] > activity["conversations"] > activity["meetings"] > 0
    marketing = api.get("/api/v1/metrics/marketing/").json()
    assert marketing["impressions"] > marketing["clicks"] > marketing["conversions"] > 0
    assert 0 < marketing["click_through_rate"] < 1
    engagement = api.get("/api/v1/metrics/engagement/").json()
    assert engagement["events"] > 0 and engagement["rising"] > 0 and engagement["falling"] > 0
    assert sum(role["contacts"] for role in engagement["engaged_contacts_by_role"]) > 0
    plays = api.get("/api/v1/metrics/plays/").json()
    assert plays["launches"] > 0
