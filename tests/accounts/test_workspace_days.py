"""Today is the workspace's today on every path: API-key requests answer in UTC, yet default dates and contact
freshness follow the workspace's time zone, as pages do."""

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def far_zone(tenant_a) -> str:
    """A time zone whose date differs from UTC's right now (UTC+14 late in the UTC day, UTC-11 early)."""
    zone = "Pacific/Kiritimati" if timezone.now().hour >= 10 else "Pacific/Pago_Pago"
    tenant_a.time_zone = zone
    tenant_a.save()
    local_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(zone))
    assert local_today != timezone.now().date()
    return zone


def test_api_key_defaults_and_freshness_use_the_workspace_today(api_a, tenant_a, far_zone):
    local_today = timezone.localdate(timezone=zoneinfo.ZoneInfo(far_zone))
    acme = AccountFactory(tenant=tenant_a, name="Acme")
    deal = api_a.post("/api/v1/opportunities/", {"account": acme.pk, "name": "Platform"}, format="json")
    assert deal.status_code == 201, deal.json()
    assert deal.json()["opened_on"] == local_today.isoformat()
    edge = ContactFactory(tenant=tenant_a, account=acme, last_verified_on=local_today - timedelta(days=365))
    older = ContactFactory(tenant=tenant_a, account=acme, last_verified_on=local_today - timedelta(days=366))
    for contact, expected in ((edge, "current"), (older, "stale")):
        assert api_a.get(f"/api/v1/contacts/{contact.pk}/").json()["freshness"] == expected
    listed = {row["id"]: row["freshness"] for row in api_a.get("/api/v1/contacts/").json()["results"]}
    assert (listed[edge.pk], listed[older.pk]) == ("current", "stale")
    stale = api_a.get("/api/v1/contacts/?stale=true").json()["results"]
    assert [row["id"] for row in stale] == [older.pk]
