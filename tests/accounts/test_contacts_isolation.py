"""The cross-tenant matrix for the resources of issue 3 owned here: contacts, signals, activities, opportunities,
technologies, account technologies, personas and committee requirements, plus their pages.

Tenant A's API key and A's admin (htmx) get 404 for every verb on B's objects, B's rows never
show up in A's lists, and nothing of B changes.
"""

import pytest

from abs_platform.jobs.models import Job
from accounts.models import AccountTechnology, Activity, Contact, Opportunity, Signal, Technology
from personas.models import CommitteeRequirement, Persona
from tests.conftest import as_tenant
from tests.factories import (
    AccountFactory,
    ActivityFactory,
    CommitteeRequirementFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    SignalFactory,
    TechnologyFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db

SECRET = "Bravo Secret"


@pytest.fixture
def b_objects(tenant_b):
    account = AccountFactory(tenant=tenant_b, name=f"{SECRET} Account", domain="bravo-secret.com")
    persona = PersonaFactory(tenant=tenant_b, name=f"{SECRET} Persona")
    contact = ContactFactory(tenant=tenant_b, account=account, first_name=SECRET, email="secret@bravo.com")
    technology = TechnologyFactory(tenant=tenant_b, name=f"{SECRET} Tool")
    with as_tenant(tenant_b):
        link = AccountTechnology.objects.create(account=account, technology=technology)
    return {
        "contacts": (Contact, contact),
        "signals": (Signal, SignalFactory(tenant=tenant_b, account=account, title=f"{SECRET} Signal")),
        "activities": (
            Activity,
            ActivityFactory(tenant=tenant_b, account=account, contact=contact, subject=f"{SECRET} Activity"),
        ),
        "opportunities": (Opportunity, OpportunityFactory(tenant=tenant_b, account=account, name=f"{SECRET} Deal")),
        "technologies": (Technology, technology),
        "account-technologies": (AccountTechnology, link),
        "personas": (Persona, persona),
        "committee-requirements": (
            CommitteeRequirement,
            CommitteeRequirementFactory(tenant=tenant_b, tier=TierFactory(tenant=tenant_b, rank=1), persona=persona),
        ),
        "account": account,
    }


RESOURCES = [
    "contacts",
    "signals",
    "activities",
    "opportunities",
    "technologies",
    "account-technologies",
    "personas",
    "committee-requirements",
]
VERBS = [
    ("get", "{id}/"),
    ("get", "{id}/edit/"),
    ("get", "{id}/row/"),
    ("put", "{id}/"),
    ("patch", "{id}/"),
    ("delete", "{id}/"),
]
BODY = {"name": "Hijacked", "first_name": "Hijacked", "title": "Hijacked", "subject": "Hijacked", "min_contacts": 9}


def snapshot(tenant, model, pk):
    with as_tenant(tenant):
        return model.objects.filter(pk=pk).values().first()


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("method", "path"), VERBS)
def test_api_key_of_a_gets_404_on_b(api_a, tenant_b, b_objects, resource, method, path):
    model, obj = b_objects[resource]
    before = snapshot(tenant_b, model, obj.pk)
    response = getattr(api_a, method)(f"/api/v1/{resource}/{path.format(id=obj.pk)}", BODY, format="json")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert snapshot(tenant_b, model, obj.pk) == before


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(("method", "path"), VERBS)
def test_htmx_of_a_gets_404_on_b(client_for, admin_a, tenant_b, b_objects, resource, method, path):
    model, obj = b_objects[resource]
    before = snapshot(tenant_b, model, obj.pk)
    client = client_for(admin_a)
    url = f"/t/alpha/api/{resource}/{path.format(id=obj.pk)}"
    response = getattr(client, method)(url, BODY, content_type="application/json", HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert snapshot(tenant_b, model, obj.pk) == before


@pytest.mark.parametrize("resource", RESOURCES)
def test_lists_show_only_own_rows(api_a, client_for, admin_a, b_objects, resource):
    body = api_a.get(f"/api/v1/{resource}/").json()
    assert body["results"] == []
    html = client_for(admin_a).get(f"/t/alpha/api/{resource}/", HTTP_HX_REQUEST="true").content.decode()
    assert SECRET not in html


def test_foreign_ids_in_bodies_are_refused(api_a, tenant_a, b_objects):
    own = AccountFactory(tenant=tenant_a, name="Own")
    foreign_account = b_objects["account"]
    foreign_contact = b_objects["contacts"][1]
    foreign_persona = b_objects["personas"][1]
    foreign_tool = b_objects["technologies"][1]
    cases = [
        ("contacts", {"account": foreign_account.pk, "first_name": "X"}, "account", "account"),
        ("contacts", {"account": own.pk, "first_name": "X", "persona": foreign_persona.pk}, "persona", "persona"),
        (
            "signals",
            {
                "account": own.pk,
                "contact": foreign_contact.pk,
                "signal_type": "funding",
                "occurred_on": "2026-01-01",
                "title": "T",
            },
            "contact",
            "contact",
        ),
        ("activities", {"account": foreign_account.pk, "channel": "email", "subject": "X"}, "account", "account"),
        (
            "activities",
            {"account": own.pk, "contact": foreign_contact.pk, "channel": "email", "subject": "X"},
            "contact",
            "contact",
        ),
        ("opportunities", {"account": foreign_account.pk, "name": "X"}, "account", "account"),
        ("account-technologies", {"account": own.pk, "technology": foreign_tool.pk}, "technology", "technology"),
    ]
    for resource, body, field, model_name in cases:
        response = api_a.post(f"/api/v1/{resource}/", body, format="json")
        assert response.status_code == 400, resource
        pk = body[field]
        assert response.json() == {field: [f"No {model_name} with id {pk} in this workspace."]}, resource


@pytest.mark.parametrize(
    "url",
    [
        "/t/bravo/personas/",
        "/t/bravo/contacts/",
        "/t/bravo/contacts/account-options/",
        "/t/bravo/api/contacts/",
        "/t/bravo/api/personas/",
        "/t/bravo/api/activities/",
    ],
)
def test_member_of_a_gets_404_for_b_pages(client_for, member_a, tenant_b, url):
    assert client_for(member_a).get(url, HTTP_HX_REQUEST="true").status_code == 404


def test_account_page_and_job_of_b_are_404(client_for, member_a, tenant_b, b_objects):
    client = client_for(member_a)
    response = client.get(f"/t/alpha/accounts/{b_objects['account'].pk}/")
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    with as_tenant(tenant_b):
        job = Job.objects.create(kind="persona_rematch")
    assert client.get(f"/t/alpha/personas/jobs/{job.pk}/").status_code == 404


def test_b_may_reuse_names_of_a(api_a, api_b, tenant_a):
    PersonaFactory(tenant=tenant_a, name="Champion")
    TechnologyFactory(tenant=tenant_a, name="Salesforce")
    assert api_b.post("/api/v1/personas/", {"name": "Champion"}, format="json").status_code == 201
    assert api_b.post("/api/v1/technologies/", {"name": "Salesforce"}, format="json").status_code == 201
