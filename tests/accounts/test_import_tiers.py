"""The accounts import's Tier column: a tier of the workspace by name, set as a by-hand override that says it came
from the file, by admins only (as the bulk "Set tier"); blank keeps the tier."""

import pytest

from abs_platform.celery import app as celery_app
from abs_platform.tenancy.context import workspace_today
from accounts import imports
from accounts.models import Account
from tests.accounts.test_import import post_import
from tests.conftest import as_tenant, make_api_client
from tests.factories import AccountFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers(tenant_a):
    return [TierFactory(tenant=tenant_a, rank=rank, name=f"Tier {rank}") for rank in (1, 2, 3)]


@pytest.fixture
def accounts(tenant_a, tiers):
    acme = AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")
    globex = AccountFactory(tenant=tenant_a, name="Globex", domain="globex.com", tier=tiers[2])
    return acme, globex


def tiers_of(tenant):
    with as_tenant(tenant):
        return {
            name: (tier, reason)
            for name, tier, reason in Account.objects.values_list("name", "tier__name", "tier_override_reason")
        }


def test_admins_set_tiers_by_name_in_any_case_blank_keeps(api_a, tenant_a, accounts):
    text = "Name,Domain,Tier\nAcme,acme.com,tier 1\nGlobex,globex.com,\nInitech,initech.com,TIER 2\n"
    body = post_import(api_a, "accounts", text, name="q3 tiers.csv").json()
    assert body["mapping"]["Tier"] == "tier"
    assert [(row["row"], row["outcome"], row["diff"]) for row in body["rows"]] == [
        (2, "update", {"tier": {"old": None, "new": "Tier 1"}}),
        (3, "skip", {}),
        (4, "create", {}),
    ]
    committed = api_a.post(f"/api/v1/imports/{body['id']}/commit/")
    assert committed.status_code == 200, committed.json()
    with as_tenant(tenant_a):
        expected_reason = f"Set by the CSV import of “q3 tiers.csv” on {workspace_today():%Y-%m-%d}."
    assert tiers_of(tenant_a) == {
        "Acme": ("Tier 1", expected_reason),
        "Globex": ("Tier 3", ""),
        "Initech": ("Tier 2", expected_reason),
    }
    overrides = api_a.get("/api/v1/tier-overrides/").json()
    assert sorted((row["name"], row["reason"]) for row in overrides["results"]) == [
        ("Acme", expected_reason),
        ("Initech", expected_reason),
    ]


def test_an_unknown_tier_is_a_row_error_listing_the_tiers(api_a, tenant_a, accounts):
    body = post_import(api_a, "accounts", "Name,Domain,Tier\nAcme,acme.com,Gold\n").json()
    assert body["rows"][0]["errors"] == [
        {
            "field": "tier",
            "column": "Tier",
            "value": "Gold",
            "message": "“Gold” is not a tier of this workspace. Tiers: Tier 1, Tier 2, Tier 3.",
        }
    ]
    refused = api_a.post(f"/api/v1/imports/{body['id']}/commit/")
    assert refused.status_code == 400
    assert tiers_of(tenant_a)["Acme"] == (None, "")


def test_members_may_not_change_tiers_and_nothing_is_imported(tenant_a, member_a, accounts):
    api = make_api_client(tenant_a, created_by=member_a)
    text = "Name,Domain,Industry,Tier\nAcme,acme.com,Software,Tier 1\nGlobex,globex.com,Energy,Tier 3\n"
    body = post_import(api, "accounts", text).json()
    assert body["counts"] == {"create": 0, "update": 1, "skip": 0, "error": 1}
    assert body["rows"][0]["errors"] == [
        {"field": "tier", "column": "Tier", "value": "Tier 1", "message": imports.TIER_NEEDS_ADMIN}
    ]
    assert body["rows"][1]["diff"] == {"industry": {"old": "Software", "new": "Energy"}}  # its tier stays: no change
    refused = api.post(f"/api/v1/imports/{body['id']}/commit/")
    assert refused.json() == {"detail": "1 row has errors: fix the file and upload it again. Nothing was written."}
    with as_tenant(tenant_a):
        assert sorted(Account.objects.values_list("name", "industry", "tier__name")) == [
            ("Acme", "Software", None),
            ("Globex", "Software", "Tier 3"),
        ]


def test_a_large_file_run_by_a_job_checks_the_role_of_who_started_it(
    api_a, tenant_a, tiers, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(imports, "IMPORT_SYNC_LIMIT", 2)
    saved = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    try:
        text = "Name,Tier\n" + "".join(f"Co {i},Tier 2\n" for i in range(3))
        with django_capture_on_commit_callbacks(execute=True):
            batch = post_import(api_a, "accounts", text, name="big.csv").json()
        assert api_a.get(f"/api/v1/imports/{batch['id']}/").json()["counts"]["create"] == 3
        with django_capture_on_commit_callbacks(execute=True):
            api_a.post(f"/api/v1/imports/{batch['id']}/commit/")
    finally:
        celery_app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])
    with as_tenant(tenant_a):
        expected_reason = f"Set by the CSV import of “big.csv” on {workspace_today():%Y-%m-%d}."
    assert tiers_of(tenant_a) == {f"Co {i}": ("Tier 2", expected_reason) for i in range(3)}
