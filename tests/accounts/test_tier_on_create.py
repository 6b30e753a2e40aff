"""A tier can be given when an account is created, under the rule of the bulk "set tier" action (admins), and
is recorded as set by hand with that source; later changes go through tier overrides."""

import pytest

from accounts.models import Account
from tests.conftest import as_tenant, make_api_client
from tests.factories import TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tier2(tenant_a):
    return TierFactory(tenant=tenant_a, rank=2, name="Tier 2")


def test_an_admin_creates_an_account_in_a_tier(client_for, admin_a, tenant_a, tier2):
    response = client_for(admin_a).post(
        "/t/alpha/api/accounts/", {"name": "Acme", "tier": tier2.pk}, content_type="application/json"
    )

    assert response.status_code == 201, response.json()
    assert (response.json()["tier"], response.json()["tier_name"]) == (tier2.pk, "Tier 2")
    with as_tenant(tenant_a):
        account = Account.objects.get(name="Acme")
        assert (account.tier_id, account.tier_override_reason) == (
            tier2.pk,
            "Set by hand when the account was created.",
        )
        assert account.history.first().history_user == admin_a


def test_a_member_may_create_accounts_but_not_choose_their_tier(client_for, member_a, tenant_a, tier2):
    client = client_for(member_a)
    refused = client.post("/t/alpha/api/accounts/", {"name": "Acme", "tier": tier2.pk}, content_type="application/json")
    created = client.post("/t/alpha/api/accounts/", {"name": "Acme"}, content_type="application/json")

    assert refused.status_code == 403
    assert (created.status_code, created.json()["tier"]) == (201, None)


def test_a_foreign_tier_is_refused_and_updates_point_to_tier_overrides(api_a, tenant_a, tenant_b, owner_a, tier2):
    foreign = TierFactory(tenant=tenant_b, rank=1, name="Bravo tier")
    refused = api_a.post("/api/v1/accounts/", {"name": "Acme", "tier": foreign.pk}, format="json")
    created = api_a.post("/api/v1/accounts/", {"name": "Acme", "tier": tier2.pk}, format="json").json()
    same = api_a.patch(f"/api/v1/accounts/{created['id']}/", {"tier": tier2.pk, "industry": "Retail"}, format="json")
    moved = api_a.patch(f"/api/v1/accounts/{created['id']}/", {"tier": None}, format="json")

    assert (refused.status_code, refused.json()) == (
        400,
        {"tier": [f"No tier with id {foreign.pk} in this workspace."]},
    )
    assert (same.status_code, same.json()["industry"]) == (200, "Retail")
    assert (moved.status_code, moved.json()) == (
        400,
        {"tier": ["Change a tier through /api/v1/tier-overrides/ (admins), with the reason."]},
    )


def test_a_read_only_key_cannot_create_with_a_tier(tenant_a, owner_a, tier2):
    read = make_api_client(tenant_a, scope="read", created_by=owner_a)
    assert read.post("/api/v1/accounts/", {"name": "Acme", "tier": tier2.pk}, format="json").status_code == 403
