"""Accounts announce their writes (``accounts.events``) and the apps above act on them: personas match contacts,
icp rescores accounts and queues its jobs (exact values, one event per write)."""

import pytest

from abs_platform.jobs.models import Job
from accounts import events
from accounts import services as account_services
from accounts.models import Account, Contact
from tests.accounts.test_import import post_import
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    ContactFactory,
    CriterionFactory,
    IcpFactory,
    PersonaFactory,
    SignalFactory,
)

pytestmark = pytest.mark.django_db

EVENTS = {
    "contacts_saving": events.contacts_saving,
    "account_changed": events.account_changed,
    "account_deleted": events.account_deleted,
    "accounts_changed": events.accounts_changed,
    "signal_changed": events.signal_changed,
    "account_technologies_changed": events.account_technologies_changed,
    "technology_deleted": events.technology_deleted,
}


@pytest.fixture
def sent():
    """Every event sent during the test, as (name, payload)."""
    calls = []
    receivers = {}
    for name, event in EVENTS.items():

        def capture(sender, name=name, **payload):
            payload.pop("signal")
            calls.append((name, payload))

        receivers[name] = capture
        event.connect(capture, weak=False)
    yield calls
    for name, event in EVENTS.items():
        event.disconnect(receivers[name])


def industry_icp(tenant):
    icp = IcpFactory(tenant=tenant, version=1, is_active=True)
    CriterionFactory(tenant=tenant, icp=icp, kind="industry", params={"values": ["Software"]}, weight=100)


def test_a_contact_saved_by_the_service_is_matched_by_the_personas_listener(tenant_a, sent):
    finance = PersonaFactory(tenant=tenant_a, name="Finance", title_keywords=["CFO"])
    account = AccountFactory(tenant=tenant_a)
    with as_tenant(tenant_a):
        contact = account_services.contact_create(account=account, first_name="Ann", title="Group CFO")
        assert sent == [("contacts_saving", {"contacts": [contact]})]
        assert (contact.persona_id, contact.persona_match_reason) == (finance.pk, "title contains “CFO”")
        contact = account_services.contact_update(contact=contact, title="Engineer")
        stored = Contact.objects.get(pk=contact.pk)
    assert (stored.persona_id, stored.persona_match_reason) == (None, "")
    assert len(sent) == 2


def test_an_account_update_names_its_changed_fields_and_icp_rescores_it(tenant_a, sent):
    industry_icp(tenant_a)
    account = AccountFactory(tenant=tenant_a, name="Acme", industry="Retail")
    with as_tenant(tenant_a):
        account = account_services.account_update(account=account, name="Acme", industry="Software")
        assert sent == [("account_changed", {"account": account, "created": False, "changed": {"industry"}})]
        assert account.fit_score == 100
        assert Account.objects.get(pk=account.pk).fit_score == 100


def test_a_moved_signal_names_the_account_it_left(tenant_a, sent):
    acme, globex = AccountFactory(tenant=tenant_a), AccountFactory(tenant=tenant_a)
    signal = SignalFactory(tenant=tenant_a, account=acme)
    with as_tenant(tenant_a):
        account_services.signal_update(signal=signal, account=globex)
    assert sent == [
        ("signal_changed", {"instance": signal, "account_ids": {acme.pk, globex.pk}, "changed": {"account"}})
    ]


def test_an_import_matches_contacts_once_per_file_and_reports_a_changed_persona(api_a, tenant_a, sent):
    account = AccountFactory(tenant=tenant_a, domain="globex.io")
    finance = PersonaFactory(tenant=tenant_a, name="Finance", title_keywords=["CFO"])
    ContactFactory(tenant=tenant_a, account=account, first_name="Bob", email="bob@globex.io", title="Analyst")
    text = "First name;E-mail;Title\nBob;bob@globex.io;Group CFO\nCid;cid@globex.io;Engineer\n"
    body = post_import(api_a, "contacts", text).json()
    assert [(row["outcome"], row["changes"]) for row in body["rows"]] == [
        ("update", ["title", "persona"]),
        ("create", []),
    ]
    assert body["rows"][0]["diff"] == {
        "title": {"old": "Analyst", "new": "Group CFO"},
        "persona": {"old": None, "new": "Finance"},
    }
    assert [(name, len(payload["contacts"])) for name, payload in sent] == [("contacts_saving", 2)]
    assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
    with as_tenant(tenant_a):
        bob = Contact.objects.get(email="bob@globex.io")
    assert (bob.persona_id, bob.persona_match_reason) == (finance.pk, "title contains “CFO”")


def test_an_account_import_sends_one_bulk_event_and_icp_queues_one_job(api_a, tenant_a, sent):
    industry_icp(tenant_a)
    body = post_import(
        api_a, "accounts", "Name,Domain,Industry\nAcme,acme.com,Software\nGlobex,globex.io,Retail\n"
    ).json()
    assert api_a.post(f"/api/v1/imports/{body['id']}/commit/").status_code == 200
    with as_tenant(tenant_a):
        ids = sorted(Account.objects.values_list("id", flat=True))
        assert Job.objects.filter(kind="icp.fit_recompute").count() == 1
    assert [(name, sorted(payload["account_ids"]), payload["fields"]) for name, payload in sent] == [
        ("accounts_changed", ids, None)
    ]
