"""Each account's stored committee coverage (``Account.coverage_*``) is what ``personas.coverage`` computes, after
every kind of write that can change it (ADR 0037), and the daily coverage check stores what time changed."""

from datetime import timedelta
from importlib import import_module

import pytest

from abs_platform.tenancy.context import workspace_today
from accounts import services as account_services
from accounts.models import Account, Contact
from checks import services as check_services
from icp import services as icp_services
from personas import services as persona_services
from personas.coverage import accounts_with_coverage
from tests.accounts.test_import import post_import
from tests.conftest import as_tenant
from tests.factories import PersonaFactory, TierFactory

pytestmark = pytest.mark.django_db


def stored(tenant) -> dict[str, tuple]:
    """Per account name: (required, covered, gaps, percent) as stored; asserts they are what is computed now."""
    with as_tenant(tenant):
        rows = accounts_with_coverage(Account.objects.all()).values_list(
            "name",
            "coverage_required",
            "coverage_covered",
            "coverage_gaps",
            "coverage_percent",
            "computed_required",
            "computed_covered",
        )
        rows = list(rows)
    assert [(name, req, cov) for name, req, cov, *_ in rows] == [(name, *row[4:]) for name, *row in rows]
    return {name: (req, cov, gaps, percent) for name, req, cov, gaps, percent, *_ in rows}


@pytest.fixture
def world(tenant_a, owner_a):
    """Tier 1 requires a CFO and two IT leaders; Acme and Globex are in it (Globex with a CFO), Initech in Tier 2
    (which requires nothing), all through the services."""
    tier1 = TierFactory(tenant=tenant_a, rank=1, name="Tier 1")
    tier2 = TierFactory(tenant=tenant_a, rank=2, name="Tier 2")
    cfo = PersonaFactory(tenant=tenant_a, name="Finance leader", title_keywords=["CFO"])
    it = PersonaFactory(tenant=tenant_a, name="IT leader", title_keywords=["CIO"])
    with as_tenant(tenant_a, owner_a):
        today = workspace_today()
        cfo_required = persona_services.committee_requirement_create(tier=tier1, persona=cfo)
        persona_services.committee_requirement_create(tier=tier1, persona=it, min_contacts=2)
        acme, globex, initech = (
            account_services.account_create(name=name, domain=f"{name.lower()}.com")
            for name in ("Acme", "Globex", "Initech")
        )
        for account, tier in ((acme, tier1), (globex, tier1), (initech, tier2)):
            account_services.account_override_tier(account=account, tier=tier, reason="Test")
        globex_cfo = account_services.contact_create(
            account=globex, first_name="Gina", title="CFO", last_verified_on=today
        )
    return {
        "tier1": tier1,
        "tier2": tier2,
        "cfo": cfo,
        "it": it,
        "cfo_required": cfo_required,
        "acme": acme,
        "globex": globex,
        "initech": initech,
        "globex_cfo": globex_cfo,
        "today": today,
    }


def test_tier_changes_and_requirement_writes(tenant_a, owner_a, world):
    assert stored(tenant_a) == {
        "Acme": (2, 0, 2, 0),
        "Globex": (2, 1, 1, 50),
        "Initech": (0, 0, 0, None),
    }
    with as_tenant(tenant_a, owner_a):
        persona_services.committee_requirement_create(tier=world["tier2"], persona=world["it"])
    assert stored(tenant_a)["Initech"] == (1, 0, 1, 0)
    with as_tenant(tenant_a, owner_a):
        persona_services.committee_requirement_update(requirement=world["cfo_required"], min_contacts=2)
    assert stored(tenant_a)["Globex"] == (2, 0, 2, 0)
    with as_tenant(tenant_a, owner_a):
        persona_services.committee_requirement_update(requirement=world["cfo_required"], tier=world["tier2"])
    assert stored(tenant_a) == {"Acme": (1, 0, 1, 0), "Globex": (1, 0, 1, 0), "Initech": (2, 0, 2, 0)}
    with as_tenant(tenant_a, owner_a):
        persona_services.committee_requirement_delete(requirement=world["cfo_required"])
        account_services.account_override_tier(account=world["globex"], tier=world["tier2"], reason="Test")
    assert stored(tenant_a) == {"Acme": (1, 0, 1, 0), "Globex": (1, 0, 1, 0), "Initech": (1, 0, 1, 0)}
    with as_tenant(tenant_a, owner_a):
        account_services.account_clear_tier_override(account=world["globex"])  # no suggested tier
    assert stored(tenant_a)["Globex"] == (0, 0, 0, None)
    with as_tenant(tenant_a, owner_a):
        icp_services.tier_delete(tier=world["tier1"])
    assert stored(tenant_a) == {"Acme": (0, 0, 0, None), "Globex": (0, 0, 0, None), "Initech": (1, 0, 1, 0)}


def test_contact_writes(tenant_a, owner_a, world):
    today = world["today"]
    with as_tenant(tenant_a, owner_a):
        first = account_services.contact_create(account=world["acme"], first_name="Ian", title="CIO")
    assert stored(tenant_a)["Acme"] == (2, 0, 2, 0)  # never verified: not current
    with as_tenant(tenant_a, owner_a):
        account_services.contact_update(contact=first, last_verified_on=today)
        second = account_services.contact_create(
            account=world["acme"], first_name="Ivo", title="CIO", last_verified_on=today
        )
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)
    with as_tenant(tenant_a, owner_a):
        account_services.contact_update(contact=second, status="left_company")
    assert stored(tenant_a)["Acme"] == (2, 0, 2, 0)
    with as_tenant(tenant_a, owner_a):
        account_services.contact_update(contact=second, status="active", persona=world["cfo"])
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)  # pinned as the CFO
    with as_tenant(tenant_a, owner_a):
        account_services.contact_update(contact=world["globex_cfo"], account=world["acme"])  # moves
    assert stored(tenant_a) == {"Acme": (2, 1, 1, 50), "Globex": (2, 0, 2, 0), "Initech": (0, 0, 0, None)}
    with as_tenant(tenant_a, owner_a):
        account_services.contact_delete(contact=second)
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)  # Gina is the CFO now; the IT leaders are missing
    with as_tenant(tenant_a, owner_a):
        account_services.contact_delete(contact=Contact.objects.get(pk=world["globex_cfo"].pk))
    assert stored(tenant_a)["Acme"] == (2, 0, 2, 0)


def test_bulk_changes(tenant_a, owner_a, world):
    with as_tenant(tenant_a, owner_a):
        contacts = [
            account_services.contact_create(account=world["acme"], first_name=name, title="CIO")
            for name in ("Ian", "Ivo")
        ]
        account_services.contacts_bulk_change(contacts=contacts, action="mark_verified")
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)
    with as_tenant(tenant_a, owner_a):
        account_services.contacts_bulk_change(contacts=contacts, action="set_status", status="bounced")
    assert stored(tenant_a)["Acme"] == (2, 0, 2, 0)
    with as_tenant(tenant_a, owner_a):
        account_services.contacts_bulk_change(contacts=contacts, action="set_status", status="active")
        account_services.contacts_bulk_change(contacts=contacts, action="set_persona", persona=world["cfo"])
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)
    with as_tenant(tenant_a, owner_a):
        account_services.accounts_bulk_change(
            accounts=[world["acme"], world["initech"]], action="set_tier", tier=world["tier1"], reason="Test"
        )
    assert stored(tenant_a) == {"Acme": (2, 1, 1, 50), "Globex": (2, 1, 1, 50), "Initech": (2, 0, 2, 0)}


def test_persona_rules_and_deletion(tenant_a, owner_a, world):
    with as_tenant(tenant_a, owner_a):
        account_services.contact_create(
            account=world["acme"], first_name="Ian", title="Head of IT", last_verified_on=world["today"]
        )
        account_services.contact_create(
            account=world["acme"], first_name="Ivo", title="Head of IT", last_verified_on=world["today"]
        )
    assert stored(tenant_a)["Acme"] == (2, 0, 2, 0)  # no persona claims "Head of IT"
    with as_tenant(tenant_a, owner_a):
        persona_services.persona_update(persona=world["it"], title_keywords=["CIO", "Head of IT"])
    with as_tenant(tenant_a, owner_a):
        persona_services.contacts_rematch()  # what the job queued by the update runs
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)  # both matched
    with as_tenant(tenant_a, owner_a):
        persona_services.persona_delete(persona=world["cfo"])
    assert stored(tenant_a) == {"Acme": (1, 1, 0, 100), "Globex": (1, 0, 1, 0), "Initech": (0, 0, 0, None)}


def test_account_delete_and_imports(api_a, tenant_a, owner_a, world):
    with as_tenant(tenant_a, owner_a):
        account_services.account_delete(account=Account.objects.get(pk=world["globex"].pk))
    assert stored(tenant_a) == {"Acme": (2, 0, 2, 0), "Initech": (0, 0, 0, None)}
    today = world["today"].isoformat()
    text = (
        "First name,E-mail,Company domain,Job title,Last verified on\n"
        f"Ian,ian@acme.com,acme.com,CIO,{today}\n"
        f"Ivo,ivo@acme.com,acme.com,CIO,{today}\n"
        f"Cas,cas@initech.com,initech.com,CFO,{today}\n"
    )
    body = post_import(api_a, "contacts", text).json()
    assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
    assert stored(tenant_a)["Acme"] == (2, 1, 1, 50)
    moved = "E-mail,First name,Company domain\nian@acme.com,Ian,initech.com\n"
    body = post_import(api_a, "contacts", moved).json()
    assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
    assert stored(tenant_a) == {"Acme": (2, 0, 2, 0), "Initech": (0, 0, 0, None)}
    body = post_import(api_a, "accounts", "Name,Domain,Tier\nInitech,initech.com,Tier 1\n").json()
    assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
    assert stored(tenant_a)["Initech"] == (2, 1, 1, 50)  # Cas the CFO; Ian, the one IT leader, came with him


def test_the_daily_check_stores_what_time_changed(tenant_a, owner_a, world, monkeypatch):
    """Gina was verified a year ago today: current today, stale tomorrow, with no write in between."""
    with as_tenant(tenant_a, owner_a):
        Contact.objects.filter(pk=world["globex_cfo"].pk).update(last_verified_on=world["today"] - timedelta(365))
        check_services.coverage_check()
    assert stored(tenant_a)["Globex"] == (2, 1, 1, 50)
    monkeypatch.setattr(check_services, "workspace_today", lambda: world["today"] + timedelta(days=1))
    with as_tenant(tenant_a, owner_a):
        check_services.coverage_check()
        globex = Account.objects.get(pk=world["globex"].pk)
    assert (globex.coverage_required, globex.coverage_covered, globex.coverage_gaps, globex.coverage_percent) == (
        2,
        0,
        2,
        0,
    )


def test_the_migration_fills_the_stored_figures(tenant_a, world):
    with as_tenant(tenant_a):
        Account.objects.update(coverage_required=0, coverage_covered=0)
    import_module("personas.migrations.0002_fill_stored_coverage").fill(None, None)
    assert stored(tenant_a) == {"Acme": (2, 0, 2, 0), "Globex": (2, 1, 1, 50), "Initech": (0, 0, 0, None)}
