import pytest

from accounts.models import Signal
from tests.conftest import as_tenant
from tests.factories import AccountFactory, ContactFactory, SignalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):
    return AccountFactory(tenant=tenant_a, name="Acme", domain="acme.com")


def test_create_and_read_back(api_a, tenant_a, acme):
    contact = ContactFactory(tenant=tenant_a, account=acme, first_name="Jo", last_name="Lee")
    response = api_a.post(
        "/api/v1/signals/",
        {
            "account": acme.pk,
            "contact": contact.pk,
            "signal_type": "leadership_hire",
            "occurred_on": "2026-03-02",
            "title": "New CFO hired",
            "source_url": "https://news.example.com/acme-cfo",
            "notes": "Ex-Globex.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {key: body[key] for key in ("account_name", "contact_name", "signal_type", "occurred_on", "title")} == {
        "account_name": "Acme",
        "contact_name": "Jo Lee",
        "signal_type": "leadership_hire",
        "occurred_on": "2026-03-02",
        "title": "New CFO hired",
    }


def test_contact_must_work_at_the_signal_account(api_a, tenant_a, acme):
    elsewhere = ContactFactory(tenant=tenant_a, account=AccountFactory(tenant=tenant_a, name="Other"))
    response = api_a.post(
        "/api/v1/signals/",
        {
            "account": acme.pk,
            "contact": elsewhere.pk,
            "signal_type": "funding",
            "occurred_on": "2026-01-01",
            "title": "Series B",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"contact": ["This contact does not work at the signal's account."]}
    with as_tenant(tenant_a):
        assert Signal.objects.count() == 0


def test_validation_errors(api_a, acme):
    response = api_a.post(
        "/api/v1/signals/", {"account": acme.pk, "signal_type": "gossip", "occurred_on": "yesterday"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "signal_type": ['"gossip" is not a valid choice.'],
        "occurred_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        "title": ["This field is required."],
    }


def test_timeline_newest_first_and_filters(api_a, tenant_a, acme):
    SignalFactory(tenant=tenant_a, account=acme, title="Old", occurred_on="2025-01-01", signal_type="funding")
    SignalFactory(tenant=tenant_a, account=acme, title="New", occurred_on="2026-02-01", signal_type="expansion")
    SignalFactory(tenant=tenant_a, title="Elsewhere", occurred_on="2026-01-01")

    def titles(query=""):
        return [row["title"] for row in api_a.get(f"/api/v1/signals/{query}").json()["results"]]

    assert titles() == ["New", "Elsewhere", "Old"]
    assert titles(f"?account={acme.pk}") == ["New", "Old"]
    assert titles("?signal_type=expansion") == ["New"]
    assert titles("?occurred_after=2025-06-01&occurred_before=2026-01-31") == ["Elsewhere"]
    assert titles("?search=elsew") == ["Elsewhere"]


def test_htmx_timeline_and_form(client_for, member_a, tenant_a, acme):
    SignalFactory(tenant=tenant_a, account=acme, title="Series C", occurred_on="2026-02-01")
    client = client_for(member_a)
    html = client.get(f"/t/alpha/api/signals/?account={acme.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert "Series C" in html
    assert '<time datetime="2026-02-01">2026-02-01</time>' in html
    form = client.get(f"/t/alpha/api/signals/new/?account={acme.pk}", HTTP_HX_REQUEST="true").content.decode()
    assert f'<input type="hidden" name="account" value="{acme.pk}">' in form
    bad = client.post("/t/alpha/api/signals/", {"account": acme.pk, "title": ""}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 400
    assert "This field may not be blank." in bad.content.decode()


@pytest.mark.parametrize("resource", ["signals", "opportunities", "technologies", "account-technologies", "contacts"])
@pytest.mark.parametrize("htmx", [False, True])
def test_list_query_budget(api_a, client_for, member_a, tenant_a, resource, htmx):
    """The same queries for 10 and 100 rows. JSON: key + list (+4 transaction); htmx: session, user,
    membership + list (+4)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OpportunityFactory, TechnologyFactory

    def make(count):
        for _ in range(count):
            account = AccountFactory(tenant=tenant_a)
            contact = ContactFactory(tenant=tenant_a, account=account)
            SignalFactory(tenant=tenant_a, account=account, contact=contact)
            OpportunityFactory(tenant=tenant_a, account=account)
            technology = TechnologyFactory(tenant=tenant_a)
            with as_tenant(tenant_a):
                from accounts.models import AccountTechnology

                AccountTechnology.objects.create(account=account, technology=technology)

    client = client_for(member_a) if htmx else api_a
    prefix = "/t/alpha/api" if htmx else "/api/v1"
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    url = f"{prefix}/{resource}/?page_size=200"

    def count():
        client.get(url, **headers)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, **headers).status_code == 200
        return len(queries)

    make(10)
    ten = count()
    make(90)
    # one list query, +4 (the session's user and membership, or the key, come from the cache)
    assert ten == count() == 5
